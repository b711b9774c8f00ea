// `ood pull`: reference → the artifact zip, byte-identical to what was pushed. The manifest digest is checked
// against the reference (or the registry's Docker-Content-Digest), every layer against its descriptor while it
// streams (verified-file-writer.ts: on a second thread when a core is free), and the output appears atomically
// only when all of it verified.
import { assertWritableTarget, writeAtomically } from '../io/atomic-file.js';
import { digestMismatch } from './digest.js';
import { parseArtifactManifest } from './manifest.js';
import { ANNOTATIONS } from './media-types.js';
import { openStore, type StoreOptions } from './open-store.js';
import { formatReference, parseReference } from './reference.js';
import type { TransferStats } from './store.js';
import { blobProgress, meteredStream, type ByteProgress } from './byte-meter.js';
import { chooseHashing, writeVerifiedLayers, type HashPlacement } from './verified-file-writer.js';

/** What `ood pull` reports. */
export interface PullResult {
  reference: string;
  digest: string;
  output: string;
  size: number;
  annotations: Record<string, string>;
  stats: TransferStats;
}

/** Pull a reference into `outPath` (atomically; refuses to overwrite unless `force`). */
export async function pullArtifact(
  refText: string,
  outPath: string,
  options: StoreOptions & {
    force?: boolean;
    onBytes?: ByteProgress;
    /** Where to hash: inline by default, or forced onto a thread (verified-file-writer.ts). */
    hashing?: HashPlacement;
  } = {},
): Promise<PullResult> {
  const ref = parseReference(refText);
  await assertWritableTarget(outPath, options.force === true);
  const store = await openStore(ref, options, 'pull');
  try {
    const where = formatReference(ref);
    const fetched = await store.getManifest(ref.digest ?? ref.tag!);
    if (ref.digest && fetched.digest !== ref.digest)
      throw digestMismatch(`manifest digest mismatch for ${where}`, ref.digest, fetched.digest);
    if (fetched.claimedDigest && fetched.claimedDigest !== fetched.digest) {
      throw digestMismatch(`manifest digest mismatch for ${where}`, fetched.claimedDigest, fetched.digest);
    }
    const manifest = parseArtifactManifest(fetched.bytes, where);
    let size = 0;
    const total = manifest.layers.reduce((n, l) => n + l.size, 0);
    const { onBytes } = options;
    const progress = onBytes && blobProgress(total, onBytes);
    progress?.at(0);
    const placement = chooseHashing(options.hashing);
    await writeAtomically(outPath, async (tmp) => {
      await writeVerifiedLayers(
        tmp,
        manifest.layers,
        async (layer) => {
          const blob = await store.openBlob(layer);
          return progress ? meteredStream(blob, 0, (at) => progress.at(at)) : blob;
        },
        (layer) => {
          size += layer.size;
          store.stats.bytesDownloaded += layer.size;
          progress?.finish(layer.size, true);
        },
        placement,
      );
      const expected = manifest.annotations[ANNOTATIONS.zipSize];
      if (expected !== undefined && Number(expected) !== size) {
        throw digestMismatch(`reassembled size mismatch for ${where}`, `${expected} bytes`, `${size} bytes`);
      }
    });
    return {
      reference: where,
      digest: fetched.digest,
      output: outPath,
      size,
      annotations: manifest.annotations,
      stats: { ...store.stats },
    };
  } finally {
    store.close?.();
  }
}
