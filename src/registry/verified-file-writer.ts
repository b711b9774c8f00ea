// Pull's write path: blobs appended one after another to one file, each verified against its descriptor (size and
// sha256) before the next begins. Socket chunks (64 KiB) are copied into 8 MiB blocks of a shared ring; a full
// block goes to the libuv pool as one positioned write and to the sha256 thread at the same time, so receiving,
// writing and hashing overlap instead of taking turns on one thread. A block is refilled only when both its write
// and its hash are done, which bounds memory to the ring and slows the socket down when the disk or the hash
// falls behind. The file is not the output: pull writes it inside writeAtomically, which fsyncs and renames it
// only after every blob verified (bench/registry.mjs, BENCHMARKS.md "Registry line rate").
import { open, type FileHandle } from 'node:fs/promises';
import { digestMismatch } from './digest.js';
import { InlineSha256, Sha256Thread, type BlockHasher } from './sha256-thread.js';

const BLOCK_BYTES = 8 << 20;
const BLOCKS = 4;
// Written data is handed to the disk every so often while the download runs (fdatasync on the pool, one at a
// time), so that the fsync before the rename finds little left to write.
const FLUSH_EVERY = 64 << 20;

// Below this many bytes a pull hashes on its own thread: a thread costs ~40 ms of CPU to start, which 1 GB/s of
// hashing earns back only past a few tens of MB.
const THREAD_FROM_BYTES = 32 << 20;

/** The hasher for a pull of `bytes`, over a fresh ring; a thread is booted at once (it takes tens of ms). */
export function startBlockHasher(bytes: number): BlockHasher {
  const memory = new SharedArrayBuffer(BLOCK_BYTES * BLOCKS);
  return bytes >= THREAD_FROM_BYTES ? new Sha256Thread(memory) : new InlineSha256(memory);
}

/** Appends verified blobs to one file. `close()` always, on success and on failure. */
export class VerifiedFileWriter {
  private position = 0;
  private flushedAt = 0;
  private flushing: Promise<void> | undefined;

  private constructor(
    private readonly handle: FileHandle,
    private readonly hasher: BlockHasher,
  ) {}

  /** Create (or truncate) `path` for writing through `hasher`'s ring. */
  static async create(path: string, hasher: BlockHasher): Promise<VerifiedFileWriter> {
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
