// `ood push`: artifact zip → OCI manifest + blobs in a store. Blobs go first (each HEAD-checked and skipped when
// present), the manifest last, so an interrupted push leaves only unreferenced blobs and a rerun completes it.
// The zip is read once: the admission gate checks everything but a large stored model, whose bytes are hashed
// while they upload (streamed-digest.ts); the store commits that blob, and push writes the manifest and tag,
// only after the gate has judged the digest of the bytes sent (admitForUpload's confirm). The model goes first,
// so that nothing else of a refused artifact reaches the store.
import { Readable } from 'node:stream';
import { admitForUpload, type StreamedEntry, type UploadAdmission } from '../checks/admission.js';
import { OodError, isOodError } from '../errors.js';
import { readFileRange } from './digest.js';
import { encodeManifest, manifestDigest, planManifest, type Descriptor } from './manifest.js';
import { EMPTY_CONFIG_BYTES, MANIFEST_MEDIA_TYPE } from './media-types.js';
import { openStore, type StoreOptions } from './open-store.js';
import { formatReference, parseReference } from './reference.js';
import type { ArtifactStore, BlobRangeOpener, TransferStats } from './store.js';
import { StreamedDigest } from './streamed-digest.js';
import { splitArtifactZip } from './zip-split.js';
import { blobProgress, meteredStream, type ByteProgress } from './byte-meter.js';

/** Stored payloads larger than this are hashed while they upload instead of in a pass of their own. */
const STREAM_ABOVE = 16 << 20;

/** One layer of a push and whether its bytes had to travel. */
export interface PushedLayer {
  mediaType: string;
  digest: string;
  size: number;
  title?: string;
  uploaded: boolean;
}

/** What `ood push` reports. */
export interface PushResult {
  reference: string;
  digest: string;
  size: number;
  artifactType: string;
  annotations: Record<string, string>;
  layers: PushedLayer[];
  stats: TransferStats;
  /** Checks that FAILED and were pushed anyway, with introspect's message and the override (--ignore-check, --force). */
  ignoredChecks: { key: string; message: string; override: 'ignore-check' | 'force' }[];
}

/** Called after each blob is stored or skipped (progress display; tests use it to interrupt a push). */
export type PushProgress = (event: { descriptor: Descriptor; uploaded: boolean }) => void | Promise<void>;

/** The digest a tag names in the store now, or null when it names nothing. */
async function taggedDigest(store: ArtifactStore, tag: string): Promise<string | null> {
  return store.getManifest(tag).then(
    (m) => m.digest,
    (err: unknown) => {
      if (isOodError(err) && ['NOT_FOUND', 'LOCAL_STORE_NOT_FOUND', 'REGISTRY_NOT_FOUND'].includes(err.code))
        return null;
      throw err;
    },
  );
}

/**
 * A tag names one artifact: pushing another one under it would silently change what every `pull` and `serve` of
 * that tag gets. Re-pushing the same artifact (same digest) is fine; moving the tag takes --force.
 */
function refuseTagMove(existing: string | null, digest: string, refText: string): void {
  if (existing === null || existing === digest) return;
  throw new OodError('TAG_EXISTS', `${refText} already names another artifact (${existing})`, {
    hint: `Push under a new tag, or pass --force to move ${refText} to ${digest}.`,
    details: { existing, pushed: digest },
  });
}

/** Push an artifact zip to a reference (`digits:1.0` locally, `host:port/repo:tag` remotely). */
export async function pushArtifact(
  zipPath: string,
  refText: string,
  options: StoreOptions & {
    onBlob?: PushProgress;
    /** Bytes done of the total as blobs upload (the CLI's progress bar). */
    onBytes?: ByteProgress;
    untagged?: boolean;
    /** Move the tag when it already names another artifact, and push past FAILED checks beyond the gate. */
    force?: boolean;
    /** Checks whose FAILED the user accepts (integrity, runtime versions and those beyond the gate: admission.ts). */
    ignoreChecks?: readonly string[];
    /** Provenance checks FAIL instead of warning (--require-provenance). */
    requireProvenance?: boolean;
  } = {},
): Promise<PushResult> {
  const ref = parseReference(refText);
  if (ref.digest) {
    throw new OodError('PUSH_TO_DIGEST', `cannot push to a digest reference: ${refText}`, {
      hint: 'Push to a tag (name:tag); the digest is computed from the artifact and printed.',
    });
  }
  const admission = await admitForUpload(
    zipPath,
    {
      command: 'push',
      ignoreChecks: options.ignoreChecks,
      everyCheck: true,
      force: options.force,
      requireProvenance: options.requireProvenance,
    },
    STREAM_ABOVE,
  );
  const split = await splitArtifactZip(zipPath);
  // The streamed payloads are named by manifest.json's digests, confirmed while they upload; every other part is
  // hashed here (small, or read again only where the user overrode a check of the gate).
  const known = new Map(admission.streamed.map((e) => [e.start, `sha256:${e.sha256}`]));
  const { manifest, layers } = await planManifest(zipPath, split, { known });
  const store = await openStore(ref, options, 'pull,push');
  try {
    // Refused before any upload; checked again before the manifest is written.
    const guardTag = !options.untagged && !options.force;
    const existing = guardTag ? await taggedDigest(store, ref.tag!) : null;
    refuseTagMove(existing, manifestDigest(manifest), refText);
    const pushed: PushedLayer[] = [];
    const done = new Map<string, boolean>();
    const blobs: { descriptor: Descriptor; open: (s: number, e: number) => Readable }[] = [
      { descriptor: manifest.config, open: (s, e) => Readable.from([EMPTY_CONFIG_BYTES.subarray(s, e)]) },
      ...layers.map((l) => ({
        descriptor: l.descriptor,
        open: (s: number, e: number) => readFileRange(zipPath, l.start + s, l.start + e),
      })),
    ];
    const unique = new Map(blobs.map((b) => [b.descriptor.digest, b.descriptor.size]));
    const { onBytes } = options;
    const progress =
      onBytes &&
      blobProgress(
        [...unique.values()].reduce((a, b) => a + b, 0),
        onBytes,
      );
    const metered = (open: BlobRangeOpener): BlobRangeOpener =>
      progress ? (s, e) => meteredStream(open(s, e), s, (at) => progress.at(at)) : open;
    progress?.at(0);
    for (const entry of admission.streamed) {
      const { descriptor } = layers.find((l) => l.start === entry.start)!;
      if (done.has(descriptor.digest)) continue;
      const uploaded = await pushStreamed(store, zipPath, entry, descriptor, admission, metered);
      progress?.finish(descriptor.size, uploaded);
      done.set(descriptor.digest, uploaded);
      await options.onBlob?.({ descriptor, uploaded });
    }
    for (const blob of blobs) {
      const { descriptor } = blob;
      if (!done.has(descriptor.digest)) {
        let uploaded = false;
        if (await store.hasBlob(descriptor)) store.stats.blobsSkipped += 1;
        else {
          await store.putBlob(descriptor, metered(blob.open));
          uploaded = true;
        }
        progress?.finish(descriptor.size, uploaded);
        done.set(descriptor.digest, uploaded);
        await options.onBlob?.({ descriptor, uploaded });
      }
      if (descriptor === manifest.config) continue;
      const title = descriptor.annotations?.['org.opencontainers.image.title'];
      pushed.push({
        mediaType: descriptor.mediaType,
        digest: descriptor.digest,
        size: descriptor.size,
        ...(title ? { title } : {}),
        uploaded: done.get(descriptor.digest)!,
      });
    }
    const { overridden } = await admission.settled();
    const bytes = encodeManifest(manifest);
    const digest = manifestDigest(manifest);
    refuseTagMove(existing, digest, refText);
    // untagged: stored by digest only (a modelcar image names it as its subject).
    await store.putManifest(bytes, digest, MANIFEST_MEDIA_TYPE, options.untagged ? undefined : ref.tag);
    return {
      reference: formatReference(ref),
      digest,
      size: bytes.length,
      artifactType: manifest.artifactType,
      annotations: manifest.annotations,
      layers: pushed,
      stats: { ...store.stats },
      ignoredChecks: overridden.map((c) => ({ key: c.key, message: c.message, override: c.override })),
    };
  } finally {
    store.close?.();
  }
}

/**
 * Push a payload the gate left unhashed. Present in the store already: its bytes are hashed (one read) and judged
 * before the push goes on. Absent: uploaded while they are hashed, and the store commits the blob only once the
 * gate has judged that digest (ArtifactStore.putBlob's `admitted`). Either way nothing refers to it before it
 * passed, and a refusal (ARTIFACT_REFUSED, introspect's words) stops the push before any manifest or tag.
 */
async function pushStreamed(
  store: ArtifactStore,
  zipPath: string,
  entry: StreamedEntry,
  descriptor: Descriptor,
  admission: UploadAdmission,
  metered: (open: BlobRangeOpener) => BlobRangeOpener,
): Promise<boolean> {
  const bytes = new StreamedDigest(zipPath, entry.start, entry.end);
  if (await store.hasBlob(descriptor)) {
    await admission.confirm(entry, bytes.complete());
    store.stats.blobsSkipped += 1;
    return false;
  }
  const admitted = admission.confirm(entry, bytes.result).then(() => descriptor.digest);
  admitted.catch(() => undefined);
  await store.putBlob(
    descriptor,
    metered((s, e) => bytes.open(s, e)),
    admitted,
  );
  await admitted;
  return true;
}
