// The main thread's handle on one model instance (a worker thread running instance-worker.mjs): start it, run one
// batch at a time on it, and notice when it dies. A death fails the batch it held and is reported to the pool,
// which restarts it; the server itself never goes down with an instance.
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type * as ort from 'onnxruntime-node';
import { OodError, isErrorCode } from '../../errors.js';
import type { NamedTensor } from '../../tensor/tensor.js';

/** What an instance needs to open its session. */
export interface InstanceSpec {
  dir: string;
  /** score.mjs, or the entrypoint runtime.yaml names. */
  entry: string;
  sessionOptions?: ort.InferenceSession.SessionOptions;
  /** Inputs to prove the model with; `synthetic` ones (zeros) may fail with a warning only. */
  warmup?: { inputs: NamedTensor[]; synthetic: boolean };
}

/** Outcome of one run on an instance. */
export interface RunResult {
  outputs: NamedTensor[];
  inferMs: number;
}

type Message =
  | { type: 'ready'; warnings: string[] }
  | { type: 'load-failed'; error: { code?: string; message: string } }
  | { type: 'log'; message: string }
  | { type: 'result'; id: number; outputs: NamedTensor[]; inferMs: number }
  | { type: 'error'; id: number; error: { code?: string; message: string } };

/** Next to this module in dist/ and in src/ alike (tsc copies .mjs under allowJs). */
const WORKER_SCRIPT = fileURLToPath(new URL('./instance-worker.mjs', import.meta.url));

/** The ArrayBuffers that may move to the worker: whole, unshared, not a slice of Node's Buffer pool. */
function transferables(tensors: readonly NamedTensor[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const t of tensors) {
    if (!ArrayBuffer.isView(t.data)) continue;
    const view = t.data as ArrayBufferView;
    if (view.buffer instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === view.buffer.byteLength)
      buffers.add(view.buffer);
  }
  return [...buffers];
}

/** One worker-thread instance. `onExit` fires once if the worker dies after starting. */
export class Instance {
  private worker: Worker | undefined;
  private running: { id: number; resolve(r: RunResult): void; reject(e: unknown): void } | undefined;
  private nextId = 0;
  private stopping = false;
  private started = false;
  warnings: string[] = [];
  /** Batches this instance has run, for /metrics and logs. */
  runs = 0;

  constructor(
    readonly index: number,
    private readonly spec: InstanceSpec,
    private readonly log: (level: 'info' | 'warn' | 'error', message: string) => void,
    private readonly onExit: (instance: Instance, why: string) => void,
  ) {}

  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Loaded, warmed up and alive. */
  get ready(): boolean {
    return this.worker !== undefined && this.started;
  }

  /** Start the worker; resolves when the model is loaded and warmed up, rejects with the load failure. */
  start(): Promise<void> {
    if (!existsSync(WORKER_SCRIPT)) {
      return Promise.reject(new OodError('INTERNAL', `the instance worker ${WORKER_SCRIPT} is missing`));
    }
    const worker = new Worker(WORKER_SCRIPT, {
      workerData: {
        oodInstance: true,
        dir: this.spec.dir,
        entry: this.spec.entry,
        sessionOptions: this.spec.sessionOptions,
        warmup: this.spec.warmup,
      },
      stdout: false,
      stderr: false,
    });
    this.worker = worker;
    return new Promise((resolve, reject) => {
      let started = false;
      worker.on('message', (message: Message) => {
        if (message.type === 'log') this.log('info', `instance ${this.index}: ${message.message}`);
        else if (message.type === 'ready') {
          started = true;
          this.started = true;
          this.warnings = message.warnings;
          resolve();
        } else if (message.type === 'load-failed') {
          // The worker's code crossed a thread boundary as a string: keep it only if it is one of ours.
          const code = isErrorCode(message.error.code) ? message.error.code : 'MODEL_LOAD_FAILED';
          reject(new OodError(code, message.error.message));
          void worker.terminate();
        } else this.settle(message);
      });
      worker.on('error', (err) => {
        if (!started) reject(new OodError('MODEL_LOAD_FAILED', `the model failed to load: ${err.message}`));
        else this.died(`it threw ${err.message}`);
      });
      worker.on('exit', (code) => {
        if (!started) reject(new OodError('MODEL_LOAD_FAILED', `the instance exited (code ${code}) while loading`));
        else this.died(`it exited with code ${code}`);
      });
    });
  }

  private settle(message: Extract<Message, { type: 'result' | 'error' }>): void {
    const running = this.running;
    if (!running || running.id !== message.id) return;
    this.running = undefined;
    this.runs++;
    if (message.type === 'result') running.resolve({ outputs: message.outputs, inferMs: message.inferMs });
    else running.reject(new OodError('INFERENCE_FAILED', `inference failed: ${message.error.message}`));
  }

  private died(why: string): void {
    if (!this.worker) return;
    this.worker = undefined;
    const running = this.running;
    this.running = undefined;
    running?.reject(
      new OodError('INSTANCE_CRASHED', `the model instance crashed while running this request (${why})`, {
        hint: 'The instance was restarted; retry the request. If it crashes again, this input crashes the model.',
      }),
    );
    if (!this.stopping) this.onExit(this, why);
  }

  /** Run one batch; the inputs' buffers move to the worker, so the caller must not touch them afterwards. */
  run(inputs: NamedTensor[], outputs?: string[]): Promise<RunResult> {
    const worker = this.worker;
    if (!worker || this.running) return Promise.reject(new OodError('INTERNAL', 'instance is not idle'));
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.running = { id, resolve, reject };
      const message = { type: 'run', id, inputs, outputs };
      try {
        worker.postMessage(message, transferables(inputs));
      } catch {
        worker.postMessage(message);
      }
    });
  }

  /** Stop the worker for good (server shutdown); a batch still running is failed. */
  async stop(): Promise<void> {
    this.stopping = true;
    const worker = this.worker;
    if (!worker) return;
    await worker.terminate();
    this.died('the server stopped');
  }

  /** Test and operator hook: end the worker as a crash would (the pool restarts it). */
  async kill(): Promise<void> {
    await this.worker?.terminate();
  }
}
