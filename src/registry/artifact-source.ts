// "A path or a reference": the one place that decides what an artifact argument names. A file or directory that
// exists is a path; otherwise text with an explicit tag or digest (digits:1.0, HOST/NAME:TAG, NAME@sha256:…) is a
// registry reference, pulled once into a cache keyed by the manifest digest ($OOD_HOME/cache/artifacts), so a
// second `ood serve REF` of an unchanged tag costs one manifest request and no blob transfer.
import { existsSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { OodError } from '../errors.js';
import { defaultLayoutRoot } from './local-layout.js';
import { openStore, type StoreOptions } from './open-store.js';
import { pullArtifact } from './pull.js';
import type { ByteProgress } from './byte-meter.js';
import { formatReference, parseReference } from './reference.js';

/** What an artifact argument turned out to be. */
export interface ArtifactSource {
  /** The file or directory to read. */
  path: string;
  /** Set when the argument was a reference: its canonical text, manifest digest, and whether it was pulled now. */
  reference?: string;
  digest?: string;
  pulled?: boolean;
}

/** Where pulled artifacts are kept: $OOD_HOME/cache/artifacts (beside the local store's `registry`). */
export function defaultArtifactCache(env: NodeJS.ProcessEnv = process.env): string {
  return join(dirname(defaultLayoutRoot(env)), 'cache', 'artifacts');
}

/** True when `text` carries a tag or digest, i.e. can only mean a reference (a path may hold dots and slashes). */
export function looksLikeReference(text: string): boolean {
  const last = text.slice(text.lastIndexOf('/') + 1);
  return text.includes('@') || last.includes(':');
}

/**
 * Resolve an artifact argument: an existing path as is, else a reference pulled into the cache (verified as
 * `ood pull` verifies). Neither: FILE_NOT_FOUND naming both readings.
 */
export async function resolveArtifactSource(
  text: string,
  options: StoreOptions & { cacheRoot?: string; what?: string; onBytes?: ByteProgress } = {},
): Promise<ArtifactSource> {
  const what = options.what ?? 'artifact';
  if (await exists(text)) return { path: text };
  if (!looksLikeReference(text))
    throw new OodError(
      'FILE_NOT_FOUND',
      `${what} not found: ${text} (no such file or directory, and no tag or digest to read it as a reference)`,
      {
        hint:
          `Check the path, or name a registry reference with its tag or digest: NAME:TAG (the local store), ` +
          `HOST[:PORT]/NAME:TAG or HOST[:PORT]/NAME@sha256:….`,
      },
    );
  const ref = parseReference(text);
  const digest = ref.digest ?? (await manifestDigest(ref, options));
  const cacheRoot = options.cacheRoot ?? defaultArtifactCache(options.env);
  const path = join(cacheRoot, 'sha256', `${digest.slice('sha256:'.length)}.zip`);
  const reference = formatReference(ref);
  if (existsSync(path)) return { path, reference, digest, pulled: false };
  await mkdir(dirname(path), { recursive: true });
  // Pull by digest: the tag may move between the two requests, and the cache entry must hold what it is named for.
  await pullArtifact(formatReference({ ...ref, tag: undefined, digest }), path, { ...options, force: true });
  return { path, reference, digest, pulled: true };
}

async function manifestDigest(ref: ReturnType<typeof parseReference>, options: StoreOptions): Promise<string> {
  const store = await openStore(ref, options, 'pull');
  try {
    return (await store.getManifest(ref.tag!)).digest;
  } finally {
    store.close?.();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    // Anything but "not there" (permission denied, say) is a path the reader will report on properly.
    const code = (err as NodeJS.ErrnoException).code;
    return code !== 'ENOENT' && code !== 'ENOTDIR';
  }
}
