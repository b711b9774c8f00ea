// `ood push`: artifact zip → OCI manifest + blobs in a store. Blobs go first (each HEAD-checked and skipped when
// present), the manifest last, so an interrupted push leaves only unreferenced blobs and a rerun completes it.
// A large stored model is read once: its digest is computed while it uploads (the closing PUT names it), and
// the digest runtime.yaml claims for it serves only to ask whether the registry has it already — a claimed blob
// is skipped only after our bytes hash to it, so a lying runtime.yaml can never borrow someone else's blob.
import { Readable } from 'node:stream';
import { admitArtifact, admissionPassed } from '../checks/admission.js';
import { OodError, isOodError } from '../errors.js';
import { digestFileRange, readFileRange } from './digest.js';
import { encodeManifest, manifestDigest, planManifest, type DeferredLayer, type Descriptor } from './manifest.js';
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
  /** Admission checks that FAILED and were pushed anyway (--ignore-check), with introspect's message. */
  ignoredChecks: { key: string; message: string }[];
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
    untagged?: boolean;
    /** Move the tag when it already names another artifact. */
    force?: boolean;
    /** Admission checks whose FAILED the user accepts (only integrity and runtime-version ones: admission.ts). */
    ignoreChecks?: readonly string[];
  } = {},
): Promise<PushResult> {
  const ref = parseReference(refText);
  if (ref.digest) {
    throw new OodError('PUSH_TO_DIGEST', `cannot push to a digest reference: ${refText}`, {
      hint: 'Push to a tag (name:tag); the digest is computed from the artifact and printed.',
    });
  }
  // The admission gate reads and hashes every file; when it passed runtime.consistency unforced, the model
  // digest runtime.yaml claims is the digest of these very bytes, and push need not hash the model again.
  const admission = await admitArtifact(zipPath, { command: 'push', ignoreChecks: options.ignoreChecks });
  const verified =
    admission.overridden.length === 0 &&
    admissionPassed(admission, 'runtime.consistency') &&
    admissionPassed(admission, 'integrity.hashes');
  const split = await splitArtifactZip(zipPath);
  const { manifest, layers, deferred } = await planManifest(zipPath, split, { defer: true });
  const claims = new Map<Descriptor, DeferredLayer>(verified ? [] : deferred.map((l) => [l.descriptor, l]));
  const store = await openStore(ref, options, 'pull,push');
  try {
    // Refused before any upload on the digests runtime.yaml claims; checked again on the hashed digests below.
    const guardTag = !options.untagged && !options.force;
    const existing = guardTag ? await taggedDigest(store, ref.tag!) : null;
    refuseTagMove(existing, manifestDigest(manifest), refText);
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
      const claim = claims.get(descriptor);
      if (claim) {
        uploaded = await pushClaimed(store, zipPath, claim, blob.open);
        done.set(descriptor.digest, uploaded);
        await options.onBlob?.({ descriptor, uploaded });
      } else if (!done.has(descriptor.digest)) {
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
      ignoredChecks: admission.overridden.map((c) => ({ key: c.key, message: c.message })),
    };
  } finally {
    store.close?.();
  }
}

/**
 * Push a layer whose digest runtime.yaml only claims. Present under the claim: skipped once the zip's bytes hash
 * to it (else uploaded under their real digest). Absent: uploaded while the same bytes are hashed alongside, and
 * the registry checks the closing digest. Either way the descriptor ends up with the digest of our bytes.
 */
async function pushClaimed(
  store: ArtifactStore,
  zipPath: string,
  layer: DeferredLayer,
  open: (s: number, e: number) => Readable,
): Promise<boolean> {
  const { descriptor } = layer;
  const hashing = digestFileRange(zipPath, layer.start, layer.end);
  hashing.catch(() => undefined);
  if (await store.hasBlob(descriptor)) {
    descriptor.digest = await hashing;
    if (descriptor.digest === layer.claimed) {
      store.stats.blobsSkipped += 1;
      return false;
    }
    if (await store.hasBlob(descriptor)) {
      store.stats.blobsSkipped += 1;
      return false;
    }
    await store.putBlob(descriptor, open);
    return true;
  }
  await store.putBlob(descriptor, open, hashing);
  descriptor.digest = await hashing;
  return true;
}
