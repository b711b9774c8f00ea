// sha256 on a second thread. Pull receives a blob on the main thread at about the speed this CPU hashes it
// (SHA-NI: ~1 GB/s on one core, curl pulls at ~0.9 GB/s over loopback), so hashing inline halves the line rate.
// The receiving thread copies the socket's chunks into blocks of one SharedArrayBuffer; the worker
// (sha256-thread-worker.mjs) hashes each block while the main thread fills the next one and the libuv pool
// writes it to disk. Replies come back in the order of the updates (one message port, one worker).
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { OodError } from '../errors.js';

const WORKER_SCRIPT = fileURLToPath(new URL('./sha256-thread-worker.mjs', import.meta.url));

interface Pending {
  resolve: (value: string) => void;
  reject: (err: unknown) => void;
}

/** A sha256 computed off the main thread over ranges of `memory`. */
export class Sha256Thread {
  private readonly worker: Worker;
  private readonly pending: Pending[] = [];
  private failure: unknown;

  constructor(readonly memory: SharedArrayBuffer) {
    this.worker = new Worker(WORKER_SCRIPT, { workerData: { memory } });
    // Referenced only while an answer is awaited: the process must not exit under a pull waiting for its hash
    // (nothing else may be pending by then), nor stay alive for an idle thread.
    this.worker.unref();
    this.worker.on('message', (message: { op: string; hex?: string }) => {
      this.pending.shift()?.resolve(message.op === 'digest' ? `sha256:${message.hex}` : '');
      if (this.pending.length === 0) this.worker.unref();
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`the sha256 thread exited (code ${code})`)));
  }

  /** Hash `length` bytes of `memory` from `offset`; resolves once the range may be reused. */
  async update(offset: number, length: number): Promise<void> {
    await this.request({ op: 'update', offset, length });
  }

  /** The digest of everything hashed since the last digest, which starts the next one. */
  digest(): Promise<string> {
    return this.request({ op: 'digest' });
  }

  /** Stop the thread (pending requests reject). */
  async close(): Promise<void> {
    this.failure ??= new Error('the sha256 thread was closed');
    await this.worker.terminate();
  }

  private request(message: object): Promise<string> {
    if (this.failure !== undefined) return Promise.reject(hashFailure(this.failure));
    return new Promise<string>((resolve, reject) => {
      if (this.pending.length === 0) this.worker.ref();
      this.pending.push({ resolve, reject });
      this.worker.postMessage(message);
    });
  }

  private fail(err: unknown): void {
    this.failure ??= err;
    for (const waiter of this.pending.splice(0)) waiter.reject(hashFailure(err));
  }
}

function hashFailure(cause: unknown): OodError {
  return new OodError('INTERNAL', `hashing the download failed: ${(cause as Error)?.message ?? String(cause)}`, {
    cause,
  });
}
