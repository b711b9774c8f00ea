// `ood push`: artifact zip → OCI manifest + blobs in a store. Blobs go first (each HEAD-checked and skipped when
// present), the manifest last, so an interrupted push leaves only unreferenced blobs and a rerun completes it.
import { Readable } from 'node:stream';
import { OodError, isOodError } from '../errors.js';
import { readFileRange } from './digest.js';
import { encodeManifest, manifestDigest, planManifest, type Descriptor } from './manifest.js';
import { EMPTY_CONFIG_BYTES, MANIFEST_MEDIA_TYPE } from './media-types.js';
import { openStore, type StoreOptions } from './open-store.js';
import { formatReference, parseReference } from './reference.js';
import type { ArtifactStore, TransferStats } from './store.js';
import { splitArtifactZip } from './zip-split.js';

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
}

/** Called after each blob is stored or skipped (progress display; tests use it to interrupt a push). */
export type PushProgress = (event: { descriptor: Descriptor; uploaded: boolean }) => void | Promise<void>;

/**
 * A tag names one artifact: pushing another one under it would silently change what every `pull` and `serve` of
 * that tag gets. Re-pushing the same artifact (same digest) is fine; moving the tag takes --force.
 */
async function refuseTagMove(store: ArtifactStore, tag: string, digest: string, refText: string): Promise<void> {
  const existing = await store.getManifest(tag).then(
    (m) => m.digest,
    (err: unknown) => {
      if (isOodError(err) && ['NOT_FOUND', 'LOCAL_STORE_NOT_FOUND', 'REGISTRY_NOT_FOUND'].includes(err.code))
        return null;
      throw err;
    },
  );
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
  options: StoreOptions & { onBlob?: PushProgress; untagged?: boolean; force?: boolean } = {},
): Promise<PushResult> {
  const ref = parseReference(refText);
  if (ref.digest) {
    throw new OodError('PUSH_TO_DIGEST', `cannot push to a digest reference: ${refText}`, {
      hint: 'Push to a tag (name:tag); the digest is computed from the artifact and printed.',
    });
  }
  const split = await splitArtifactZip(zipPath);
  const { manifest, layers } = await planManifest(zipPath, split);
  const store = await openStore(ref, options, 'pull,push');
  try {
    if (!options.untagged && !options.force) await refuseTagMove(store, ref.tag!, manifestDigest(manifest), refText);
    const pushed: PushedLayer[] = [];
    const done = new Map<string, boolean>();
    const blobs: { descriptor: Descriptor; open: (s: number, e: number) => Readable; title?: string }[] = [
      { descriptor: manifest.config, open: (s, e) => Readable.from([EMPTY_CONFIG_BYTES.subarray(s, e)]) },
      ...layers.map((l) => ({
        descriptor: l.descriptor,
        open: (s: number, e: number) => readFileRange(zipPath, l.start + s, l.start + e),
        title: l.descriptor.annotations?.['org.opencontainers.image.title'],
      })),
    ];
    for (const blob of blobs) {
      const { descriptor } = blob;
      let uploaded = false;
      if (!done.has(descriptor.digest)) {
        if (await store.hasBlob(descriptor)) store.stats.blobsSkipped += 1;
        else {
          await store.putBlob(descriptor, blob.open);
          uploaded = true;
        }
        done.set(descriptor.digest, uploaded);
        await options.onBlob?.({ descriptor, uploaded });
      }
      if (descriptor === manifest.config) continue;
      pushed.push({
        mediaType: descriptor.mediaType,
        digest: descriptor.digest,
        size: descriptor.size,
        ...(blob.title ? { title: blob.title } : {}),
        uploaded,
      });
    }
    const bytes = encodeManifest(manifest);
    const digest = manifestDigest(manifest);
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
    };
  } finally {
    store.close?.();
  }
}
