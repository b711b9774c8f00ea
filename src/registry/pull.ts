// `ood pull`: reference → the artifact zip, byte-identical to what was pushed. The manifest digest is checked
// against the reference (or the registry's Docker-Content-Digest), every layer against its descriptor while it
// streams, and the output appears atomically only when all of it verified.
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { assertWritableTarget, writeAtomically } from '../io/atomic-file.js';
import { digestMismatch, verifyingStream } from './digest.js';
import { parseArtifactManifest } from './manifest.js';
import { ANNOTATIONS } from './media-types.js';
import { openStore, type StoreOptions } from './open-store.js';
import { formatReference, parseReference } from './reference.js';
import type { TransferStats } from './store.js';
import { blobProgress, meteredStream, type ByteProgress } from './byte-meter.js';

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
  options: StoreOptions & { force?: boolean; onBytes?: ByteProgress } = {},
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
    const { onBytes } = options;
    const progress =
      onBytes &&
      blobProgress(
        manifest.layers.reduce((n, l) => n + l.size, 0),
        onBytes,
      );
    progress?.at(0);
    await writeAtomically(outPath, async (tmp) => {
      for (const [i, layer] of manifest.layers.entries()) {
        const blob = await store.openBlob(layer);
        const source = progress ? meteredStream(blob, 0, (at) => progress.at(at)) : blob;
        await pipeline(
          source,
          verifyingStream(layer, `layer ${i} (${layer.digest})`),
          createWriteStream(tmp, { flags: i === 0 ? 'w' : 'a', highWaterMark: 4 << 20 }),
        );
        size += layer.size;
        store.stats.bytesDownloaded += layer.size;
        progress?.finish(layer.size, true);
      }
      if (manifest.layers.length === 0) await pipeline([], createWriteStream(tmp));
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
