// Atomic file output: everything is written to a temporary sibling and renamed into place, so a crash or a
// failure never leaves a half-written file where the user expects a finished one. What a kill -9 leaves (a
// temporary named by temp-names.ts) is swept by the next write into the same directory.
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { OodError } from '../errors.js';
import { sweepStale, temporarySibling } from './temp-names.js';

export { temporarySibling } from './temp-names.js';

/** Refuse to replace an existing path unless the user asked for it. */
export async function assertWritableTarget(path: string, force: boolean): Promise<void> {
  if (force) return;
  const exists = await stat(path).then(
    () => true,
    () => false,
  );
  if (exists) {
    throw new OodError('OUTPUT_EXISTS', `output already exists: ${path}`, {
      hint: 'Choose another path, or pass --force to replace it.',
    });
  }
}

/**
 * Write `path` through `produce`, which receives a temporary path to fill. On success the temporary file is
 * fsynced and renamed over `path`; on failure it is removed and the error propagates.
 */
export async function writeAtomically<T>(path: string, produce: (tmpPath: string) => Promise<T>): Promise<T> {
  await mkdir(dirname(path), { recursive: true });
  await sweepStale(dirname(path), 'sibling');
  const tmp = temporarySibling(path);
  try {
    const result = await produce(tmp);
    const handle = await open(tmp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
    return result;
  } catch (err) {
    await rm(tmp, { force: true, recursive: true });
    throw err;
  }
}

/** Atomically write a buffer or string. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await writeAtomically(path, async (tmp) => {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(tmp, data);
  });
}

/** Atomically write everything a readable stream yields. */
export async function writeStreamAtomic(path: string, source: Readable | AsyncIterable<Uint8Array>): Promise<void> {
  await writeAtomically(path, async (tmp) => {
    await pipeline(source, createWriteStream(tmp));
  });
}
