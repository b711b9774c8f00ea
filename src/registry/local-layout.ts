// The local store: one OCI image layout directory (image-spec v1.1.0 image-layout.md) holding every local
// repository. `oci-layout`, `index.json` and `blobs/sha256/<hex>`; a tag is an index.json entry whose
// org.opencontainers.image.ref.name is "repo:tag". Blobs are written to a temp file, verified, and renamed into
// place; index.json is rewritten atomically under a lock file, so concurrent pushes never lose or corrupt it.
// Nothing read from the layout is trusted: index.json is checked entry by entry and a digest becomes a path only
// when it is sha256:<64 hex>; a blob is used only when it is a regular file, and an existing blob counts as
// present only when its bytes hash to its name (a corrupt one is replaced by the next push).
import { createReadStream } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { OodError, fileError } from '../errors.js';
import { writeAtomically, writeFileAtomic } from '../io/atomic-file.js';
import {
  digestFileRange,
  digestMismatch,
  digestProblem,
  isSha256Digest,
  sha256Digest,
  sizeGuard,
  verifyingStream,
} from './digest.js';
import { withFileLock } from './file-lock.js';
import type { Descriptor } from './manifest.js';
import { ANNOTATIONS, ARTIFACT_TYPE, INDEX_MEDIA_TYPE } from './media-types.js';
import { newStats, type ArtifactStore, type BlobRangeOpener, type TransferStats } from './store.js';

/** An index.json entry. */
interface IndexEntry extends Descriptor {
  artifactType?: string;
}
interface ImageIndex {
  schemaVersion: 2;
  mediaType: string;
  manifests: IndexEntry[];
}

/** Where the local layout lives: $OOD_HOME/registry, by default ~/.ood/registry. */
export function defaultLayoutRoot(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.OOD_HOME && env.OOD_HOME !== '' ? env.OOD_HOME : join(homedir(), '.ood'), 'registry');
}

const MANIFEST_LIMIT = 4 << 20;

function corrupt(path: string, why: string, cause?: unknown): OodError {
  return new OodError('LAYOUT_CORRUPT', `the local store is damaged: ${path} ${why}`, {
    cause,
    hint: 'Restore it from a backup, or move the store directory away and push again.',
  });
}

/** The path of a blob; only a sha256 digest is ever turned into one (no `..`, no other algorithm). */
function blobPath(root: string, digest: string): string {
  if (!isSha256Digest(digest)) throw corrupt(join(root, 'index.json'), `names a blob by ${digestProblem(digest)}`);
  return join(root, 'blobs', 'sha256', digest.slice('sha256:'.length));
}

/** Why an index.json value is not an OCI image index ood can use (image-spec v1.1.0 image-index.md). */
function indexProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'is not a JSON object';
  const manifests = (value as { manifests?: unknown }).manifests;
  if (manifests === undefined) return undefined;
  if (!Array.isArray(manifests)) return 'has a "manifests" that is not a list';
  for (const [i, entry] of manifests.entries()) {
    if (typeof entry !== 'object' || entry === null) return `has manifests[${i}] that is not an object`;
    const { digest, size, annotations } = entry as Partial<IndexEntry>;
    const bad = digestProblem(digest);
    if (bad) return `has manifests[${i}] whose digest is bad: ${bad}`;
    if (!Number.isSafeInteger(size) || (size as number) < 0) return `has manifests[${i}] with a bad size`;
    if (annotations !== undefined && (typeof annotations !== 'object' || annotations === null))
      return `has manifests[${i}] whose annotations are not an object`;
  }
  return undefined;
}

async function readIndex(root: string): Promise<ImageIndex> {
  const path = join(root, 'index.json');
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    if (err.code === 'EISDIR') throw corrupt(path, 'is a directory');
    throw fileError(err, path, 'local store index');
  });
  if (text === undefined) return { schemaVersion: 2, mediaType: INDEX_MEDIA_TYPE, manifests: [] };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw corrupt(path, 'is not valid JSON', err);
  }
  const problem = indexProblem(value);
  if (problem) throw corrupt(path, problem);
  const index = value as ImageIndex;
  index.manifests ??= [];
  return index;
}

/** Stat a blob and insist that it is a regular file (not a directory, FIFO, device, or a link to one). */
async function statBlob(path: string) {
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
    throw fileError(err, path, 'blob');
  });
  if (info && !info.isFile()) throw corrupt(path, 'is not a regular file');
  return info;
}

/** Every repository of the local layout with its tags, sorted: what `ood ls` shows without an argument. */
export async function listLocalRepositories(root: string): Promise<{ repository: string; tags: string[] }[]> {
  const byRepo = new Map<string, string[]>();
  for (const m of (await readIndex(root)).manifests) {
    const name = m.annotations?.[ANNOTATIONS.refName] ?? '';
    const colon = name.lastIndexOf(':');
    if (colon <= 0) continue;
    const repo = name.slice(0, colon);
    byRepo.set(repo, [...(byRepo.get(repo) ?? []), name.slice(colon + 1)]);
  }
  return [...byRepo.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([repository, tags]) => ({ repository, tags: tags.sort() }));
}

/** One repository of the local OCI image layout. */
export class LocalLayoutStore implements ArtifactStore {
  readonly stats: TransferStats = newStats();
  readonly where: string;

  constructor(
    readonly root: string,
    readonly repository: string,
  ) {
    this.where = `${root} (${repository})`;
  }

  private async ensureLayout(): Promise<void> {
    await mkdir(join(this.root, 'blobs', 'sha256'), { recursive: true });
    const marker = join(this.root, 'oci-layout');
    if (!(await stat(marker).catch(() => undefined))) await writeFileAtomic(marker, '{"imageLayoutVersion":"1.0.0"}');
  }

  /** Present means: a regular file of the right size whose bytes hash to its name (one streamed read). */
  async hasBlob(d: Descriptor): Promise<boolean> {
    const path = blobPath(this.root, d.digest);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile() || info.size !== d.size) return false;
    return (await digestFileRange(path, 0, info.size)) === d.digest;
  }

  async putBlob(d: Descriptor, open: BlobRangeOpener, admitted?: Promise<string>): Promise<void> {
    await this.ensureLayout();
    await writeAtomically(blobPath(this.root, d.digest), async (tmp) => {
      // With `admitted`, the caller hashes these very bytes as they flow: the blob takes its name (the rename)
      // only once that digest was judged. Without it, they are hashed here.
      const check = admitted ? sizeGuard(d, `blob ${d.digest}`) : verifyingStream(d, `blob ${d.digest}`);
      await pipeline(open(0, d.size), check, createWriteStream(tmp, { highWaterMark: 4 << 20 }));
      const digest = admitted ? await admitted : d.digest;
      if (digest !== d.digest) throw digestMismatch(`blob ${d.digest}`, d.digest, digest);
    });
    this.stats.blobsUploaded += 1;
    this.stats.bytesUploaded += d.size;
  }

  async putManifest(bytes: Buffer, digest: string, mediaType: string, tag: string | undefined): Promise<void> {
    await this.ensureLayout();
    const d = { mediaType, digest, size: bytes.length };
    if (!(await this.hasBlob(d))) await writeFileAtomic(blobPath(this.root, digest), bytes);
    if (tag === undefined) return;
    const refName = `${this.repository}:${tag}`;
    await withFileLock(join(this.root, 'index.json.lock'), async () => {
      const index = await readIndex(this.root);
      const kept = index.manifests.filter((m) => m.annotations?.[ANNOTATIONS.refName] !== refName);
      kept.push({
        mediaType,
        digest,
        size: bytes.length,
        artifactType: ARTIFACT_TYPE,
        annotations: { [ANNOTATIONS.refName]: refName },
      });
      kept.sort((a, b) =>
        (a.annotations?.[ANNOTATIONS.refName] ?? '').localeCompare(b.annotations?.[ANNOTATIONS.refName] ?? ''),
      );
      await writeFileAtomic(
        join(this.root, 'index.json'),
        `${JSON.stringify({ ...index, manifests: kept }, null, 2)}\n`,
      );
    });
  }

  async getManifest(
    tagOrDigest: string,
  ): Promise<{ bytes: Buffer; digest: string; claimedDigest: string | undefined }> {
    let digest = tagOrDigest;
    if (!tagOrDigest.includes(':')) {
      const refName = `${this.repository}:${tagOrDigest}`;
      const entry = (await readIndex(this.root)).manifests.find(
        (m) => m.annotations?.[ANNOTATIONS.refName] === refName,
      );
      if (!entry) throw this.notFound(`tag ${refName}`);
      digest = entry.digest;
    }
    const path = blobPath(this.root, digest);
    const info = await statBlob(path);
    if (!info) throw this.notFound(`manifest ${digest}`);
    if (info.size > MANIFEST_LIMIT) throw corrupt(path, `is ${info.size} bytes, too large for a manifest`);
    const bytes = await readFile(path).catch((err) => {
      throw fileError(err, path, 'manifest');
    });
    return { bytes, digest: sha256Digest(bytes), claimedDigest: digest };
  }

  async openBlob(d: Descriptor): Promise<Readable> {
    const path = blobPath(this.root, d.digest);
    if (!(await statBlob(path))) throw this.notFound(`blob ${d.digest}`);
    return createReadStream(path, { highWaterMark: 1 << 20 });
  }

  async listTags(): Promise<string[]> {
    const prefix = `${this.repository}:`;
    return (await readIndex(this.root)).manifests
      .map((m) => m.annotations?.[ANNOTATIONS.refName] ?? '')
      .filter((name) => name.startsWith(prefix))
      .map((name) => name.slice(prefix.length))
      .sort();
  }

  /**
   * Remove a tag from index.json (under the store's lock) and return the digest it named. Blobs stay: another
   * tag, or a push running now, may share them (the layout has no reference counts to collect them safely).
   */
  async deleteTag(tag: string): Promise<string> {
    const refName = `${this.repository}:${tag}`;
    return withFileLock(join(this.root, 'index.json.lock'), async () => {
      const index = await readIndex(this.root);
      const entry = index.manifests.find((m) => m.annotations?.[ANNOTATIONS.refName] === refName);
      if (!entry) throw this.notFound(`tag ${refName}`);
      const kept = index.manifests.filter((m) => m !== entry);
      await writeFileAtomic(
        join(this.root, 'index.json'),
        `${JSON.stringify({ ...index, manifests: kept }, null, 2)}\n`,
      );
      return entry.digest;
    });
  }

  private notFound(what: string): OodError {
    // A miss in the local store is the user's input (a typo, another OOD_HOME), not a remote failure.
    return new OodError('LOCAL_STORE_NOT_FOUND', `${what} not found in the local store ${this.root}`, {
      hint: `List what is there with \`ood ls ${this.repository}\`; set OOD_HOME to use another store.`,
    });
  }
}
