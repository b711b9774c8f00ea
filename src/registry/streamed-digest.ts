// One read of a large layer per push: the bytes are hashed (sha256 and the zip's CRC-32) on their way to the
// store, not in a pass of their own before it. A retried or resumed upload reopens ranges it has already sent;
// each byte of the range is hashed once, in order, whatever is reopened, so the digest is of the bytes themselves.
import { createHash } from 'node:crypto';
import { Transform, Writable, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';
import { OodError } from '../errors.js';
import { readFileRange } from './digest.js';

/** What the bytes of a range hash to. */
export interface StreamedBytes {
  sha256: string;
  size: number;
  crc32: number;
}

/** Hashes a byte range [start, end) of a file while uploads stream it; `result` settles once every byte passed. */
export class StreamedDigest {
  readonly result: Promise<StreamedBytes>;
  private readonly hash = createHash('sha256');
  private crc = 0;
  /** Bytes of the range hashed so far: the next one to hash is at this offset. */
  private hashed = 0;
  private settle!: (value: StreamedBytes) => void;
  private fail!: (err: unknown) => void;

  constructor(
    private readonly path: string,
    private readonly start: number,
    private readonly end: number,
  ) {
    this.result = new Promise<StreamedBytes>((resolve, reject) => {
      this.settle = resolve;
      this.fail = reject;
    });
    this.result.catch(() => undefined);
    if (end <= start) this.finish();
  }

  /** Stream bytes [from, to) of the range (range-relative offsets), hashing those not hashed before. */
  open(from: number, to: number): Readable {
    let at = from;
    const tap = new Transform({
      transform: (chunk: Buffer, _enc, done: TransformCallback) => {
        const chunkEnd = at + chunk.length;
        if (at > this.hashed) {
          // Bytes were skipped that nobody hashed: only a registry reporting more than it was sent leads here.
          const err = new OodError(
            'REGISTRY_PROTOCOL',
            `an upload resumed at byte ${at}, past the ${this.hashed} bytes sent so far`,
            { hint: 'The registry reported an upload offset it cannot hold; retry the push or check the registry.' },
          );
          this.fail(err);
          return done(err);
        }
        if (chunkEnd > this.hashed) {
          const fresh = chunk.subarray(this.hashed - at);
          this.hash.update(fresh);
          this.crc = crc32(fresh, this.crc);
          this.hashed = chunkEnd;
          if (this.hashed === this.end - this.start) this.finish();
        }
        at = chunkEnd;
        done(null, chunk);
      },
      flush: (done: TransformCallback) => {
        // A file that shrank since the gate listed it must not end an upload early (nor leave `result` pending).
        if (at === to) return done();
        const err = new OodError('SOURCE_CHANGED', `${this.path} changed while it was being pushed`, {
          hint: 'Push again once nothing is writing the artifact.',
        });
        this.fail(err);
        done(err);
      },
    });
    const source = readFileRange(this.path, this.start + from, this.start + to);
    source.once('error', (err) => tap.destroy(err));
    return source.pipe(tap);
  }

  /** Hash what has not been hashed yet without sending it anywhere (the store holds the blob already). */
  async complete(): Promise<StreamedBytes> {
    const length = this.end - this.start;
    if (this.hashed < length) {
      const sink = new Writable({ write: (_chunk, _enc, done) => done() });
      await pipeline(this.open(this.hashed, length), sink);
    }
    return this.result;
  }

  private finish(): void {
    this.settle({ sha256: this.hash.digest('hex'), size: this.hashed, crc32: this.crc >>> 0 });
  }
}
