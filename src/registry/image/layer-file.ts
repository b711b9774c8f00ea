// An image layer on disk: a tar stream gzipped into a file, with the two digests an image needs computed in the
// same pass (image-spec v1.1.0 layer.md and config.md): the layer digest of the compressed bytes, which the
// manifest names, and the DiffID of the uncompressed tar, which the config's rootfs.diff_ids lists.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, createGzip } from 'node:zlib';
import { writeAtomically } from '../../io/atomic-file.js';
import { createTarStream, type TarEntry, type TarOptions } from './tar-writer.js';

/** image-spec's media type of a gzipped tar layer. */
export const GZIP_LAYER_MEDIA_TYPE = 'application/vnd.oci.image.layer.v1.tar+gzip';

/** A layer file and the facts the manifest and config need about it. */
export interface LayerFile {
  path: string;
  mediaType: string;
  /** sha256 of the compressed bytes. */
  digest: string;
  size: number;
  /** sha256 of the uncompressed tar. */
  diffId: string;
  /** Bytes of the uncompressed tar. */
  tarSize: number;
}

function hashingTap(): { tap: Transform; result: () => { digest: string; size: number } } {
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  return { tap, result: () => ({ digest: `sha256:${hash.digest('hex')}`, size }) };
}

/**
 * Write the tar+gzip layer of `entries` to `path` (atomically). zlib's default level and fixed gzip header (no name,
 * mtime 0), so equal inputs on one zlib give byte-identical layers, and therefore equal digests.
 */
export async function writeLayerFile(
  entries: readonly TarEntry[],
  path: string,
  options: TarOptions = {},
): Promise<LayerFile> {
  const tar = hashingTap();
  const gz = hashingTap();
  await writeAtomically(path, (tmp) =>
    pipeline(
      createTarStream(entries, options),
      tar.tap,
      createGzip({ level: constants.Z_DEFAULT_COMPRESSION }),
      gz.tap,
      createWriteStream(tmp),
    ),
  );
  const t = tar.result();
  const g = gz.result();
  return { path, mediaType: GZIP_LAYER_MEDIA_TYPE, digest: g.digest, size: g.size, diffId: t.digest, tarSize: t.size };
}
