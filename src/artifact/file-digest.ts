// sha256 and size of artifact files, computed while the bytes stream by: a model is read once per pass and
// never held in memory (a 1 GB model costs a 64 KiB buffer, not 1 GB).
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileError } from '../errors.js';

/** What manifest.json records for a file. */
export interface Digest {
  sha256: string;
  size: number;
}

const CHUNK = 1 << 20;

/** Digest of bytes held in memory (generated files: schemas, runtime.yaml, score.mjs). */
export function digestBytes(data: Uint8Array): Digest {
  return { sha256: createHash('sha256').update(data).digest('hex'), size: data.byteLength };
}

/** Stream a file through sha256. */
export async function digestFile(path: string, what = 'file'): Promise<Digest> {
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: CHUNK })) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).byteLength;
    }
  } catch (err) {
    throw fileError(err, path, what);
  }
  return { sha256: hash.digest('hex'), size };
}

/** A pass-through stream that hashes what flows through it; `digest()` is valid once the stream has ended. */
export function digestingTap(): { tap: Transform; digest: () => Digest } {
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.byteLength;
      done(null, chunk);
    },
  });
  return { tap, digest: () => ({ sha256: hash.digest('hex'), size }) };
}

/** Copy `from` to `to` in one pass, hashing the bytes on their way through. */
export async function copyWithDigest(from: string, to: string, what = 'file'): Promise<Digest> {
  const { tap, digest } = digestingTap();
  const source = createReadStream(from, { highWaterMark: CHUNK });
  source.once('error', () => undefined);
  try {
    await pipeline(source, tap, createWriteStream(to, { mode: 0o644 }));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw code === 'ENOENT' || code === 'EACCES' || code === 'EPERM' || code === 'EISDIR'
      ? fileError(err, from, what)
      : err;
  }
  return digest();
}
