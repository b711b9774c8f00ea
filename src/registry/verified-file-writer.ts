// Pull's write path: blobs appended one after another to one file, each verified against its descriptor (size and
// sha256) before the next begins. The file is not the output: pull writes it inside writeAtomically, which fsyncs
// and renames it only after every blob verified.
// Two ways, measured (bench/registry.mjs, BENCHMARKS.md "Registry line rate"). Inline, the default: the bytes are
// hashed as they stream and written by a write stream, on the receiving thread. On a thread (opt-in): socket
// chunks (64 KiB) are copied into 8 MiB blocks of a shared ring; a full block goes to the libuv pool as one
// positioned write and to the sha256 thread at the same time, so that receiving, writing and hashing overlap. A
// block is refilled only when both its write and its hash are done, which bounds memory to the ring and slows
// the socket down when the disk or the hash falls behind. The thread was slower in every run measured on the
// 2-core machine, quiet or loaded (the copy and up to four pool writes in flight cost more CPU than the overlap
// saves), so it stays a forced option for machines where a run of the bench favours it.
import { createWriteStream } from 'node:fs';
import { open, writeFile, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { digestMismatch, verifyingStream } from './digest.js';
import type { Descriptor } from './manifest.js';
import { Sha256Thread } from './sha256-thread.js';

const BLOCK_BYTES = 8 << 20;
const BLOCKS = 4;
// Written data is handed to the disk every so often while the download runs (fdatasync on the pool, one at a
// time), so that the fsync before the rename finds little left to write.
const FLUSH_EVERY = 64 << 20;

/** Where a pull hashes: on a worker thread beside the receiving one, or inline as the bytes stream. */
export type HashPlacement = 'thread' | 'inline';

/** Inline unless the caller forces the thread (see the comment at the top for why). */
export function chooseHashing(forced?: HashPlacement): HashPlacement {
  return forced ?? 'inline';
}

/**
 * Write `layers` one after another into `path` (created or truncated), each read from `openLayer` and verified
 * against its descriptor before the next one is opened; `onLayer` after each.
 */
export async function writeVerifiedLayers(
  path: string,
  layers: Descriptor[],
  openLayer: (layer: Descriptor) => Promise<Readable>,
  onLayer: (layer: Descriptor) => void,
  placement: HashPlacement,
): Promise<void> {
  const what = (i: number) => `layer ${i} (${layers[i]!.digest})`;
  if (placement === 'inline') {
    for (const [i, layer] of layers.entries()) {
      const flags = i === 0 ? 'w' : 'a';
      await pipeline(
        await openLayer(layer),
        verifyingStream(layer, what(i)),
        createWriteStream(path, { flags, highWaterMark: 4 << 20 }),
      );
      onLayer(layer);
    }
    if (layers.length === 0) await writeFile(path, '');
    return;
  }
  // Booted first, the thread starts while the first blob's GET is answered.
  const hasher = new Sha256Thread(new SharedArrayBuffer(BLOCK_BYTES * BLOCKS));
  try {
    const writer = await VerifiedFileWriter.create(path, hasher);
    try {
      for (const [i, layer] of layers.entries()) {
        await writer.append(await openLayer(layer), layer, what(i));
        onLayer(layer);
      }
    } finally {
      await writer.close();
    }
  } finally {
    await hasher.close();
  }
}

/** Appends verified blobs to one file. `close()` always, on success and on failure. */
export class VerifiedFileWriter {
  private position = 0;
  private flushedAt = 0;
  private flushing: Promise<void> | undefined;

  private constructor(
    private readonly handle: FileHandle,
    private readonly hasher: Sha256Thread,
  ) {}

  /** Create (or truncate) `path` for writing through `hasher`'s ring. */
  static async create(path: string, hasher: Sha256Thread): Promise<VerifiedFileWriter> {
    return new VerifiedFileWriter(await open(path, 'w'), hasher);
  }

  /** Bytes written so far. */
  get size(): number {
    return this.position;
  }

  /**
   * Append everything `source` yields; fails unless it is exactly `expected.size` bytes hashing to
   * `expected.digest` (a longer source fails as soon as it passes the size).
   */
  async append(source: AsyncIterable<Buffer>, expected: { digest: string; size: number }, what: string) {
    const ring = Buffer.from(this.hasher.memory);
    const busy: (Promise<void> | undefined)[] = new Array<undefined>(BLOCKS);
    let block = 0;
    let fill = 0;
    let seen = 0;
    const dispatch = () => {
      const offset = block * BLOCK_BYTES;
      const done = Promise.all([
        writeAll(this.handle, ring.subarray(offset, offset + fill), this.position),
        this.hasher.update(offset, fill),
      ]).then(() => undefined);
      done.catch(() => undefined); // observed when the block is reused or at the end
      busy[block] = done;
      this.position += fill;
      this.flushNow();
      block = (block + 1) % BLOCKS;
      fill = 0;
    };
    try {
      for await (const chunk of source) {
        seen += chunk.length;
        if (seen > expected.size)
          throw digestMismatch(`${what} is larger than its descriptor says`, `${expected.size} bytes`, `more`);
        for (let from = 0; from < chunk.length;) {
          if (fill === 0 && busy[block]) {
            await busy[block];
            busy[block] = undefined;
          }
          const n = Math.min(chunk.length - from, BLOCK_BYTES - fill);
          chunk.copy(ring, block * BLOCK_BYTES + fill, from, from + n);
          fill += n;
          from += n;
          if (fill === BLOCK_BYTES) dispatch();
        }
      }
      if (fill > 0) dispatch();
      await Promise.all(busy);
    } catch (err) {
      await Promise.allSettled(busy);
      throw err;
    }
    const actual = await this.hasher.digest();
    if (seen !== expected.size)
      throw digestMismatch(`${what} has the wrong size`, `${expected.size} bytes`, `${seen} bytes`);
    if (actual !== expected.digest) throw digestMismatch(`digest mismatch for ${what}`, expected.digest, actual);
  }

  /** Wait for the background flush and close the file. */
  async close(): Promise<void> {
    try {
      await this.flushing;
    } finally {
      await this.handle.close();
    }
  }

  private flushNow(): void {
    if (this.flushing || this.position - this.flushedAt < FLUSH_EVERY) return;
    const upTo = this.position;
    this.flushing = this.handle.datasync().then(
      () => {
        this.flushedAt = upTo;
        this.flushing = undefined;
      },
      () => {
        // The fsync before the rename reports what the disk refuses; this flush is only a head start.
        this.flushing = undefined;
      },
    );
  }
}

/** A positioned write of all of `bytes` (pwrite may write less than asked). */
async function writeAll(handle: FileHandle, bytes: Buffer, position: number): Promise<void> {
  for (let done = 0; done < bytes.length;) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, position + done);
    done += bytesWritten;
  }
}
