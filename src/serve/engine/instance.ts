// The server's handle on one model instance (instance-worker.mjs, in a child process or a worker thread; see
// instance-host.ts): start it, run one batch at a time on it, and notice when it dies. A death fails the batch
// it held and is reported to the pool, which restarts it; the server itself never goes down with an instance.
import { existsSync } from 'node:fs';
import type * as ort from 'onnxruntime-node';
import { OodError, isErrorCode, nativeLibraryError } from '../../errors.js';
import type { NamedTensor } from '../../tensor/tensor.js';
import { INSTANCE_SCRIPT, startHost, type InstanceHost, type Isolation } from './instance-host.js';

/** What an instance needs to open its session. */
export interface InstanceSpec {
  dir: string;
  /** score.mjs, or the entrypoint runtime.yaml names. */
  entry: string;
  sessionOptions?: ort.InferenceSession.SessionOptions;
  /** Inputs to prove the model with; `synthetic` ones (zeros) may fail with a warning only. */
  warmup?: { inputs: NamedTensor[]; synthetic: boolean };
  /** A child process (default) or a worker thread. */
  isolation?: Isolation;
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
  | { type: 'error'; id: number; error: { code?: string; message: string }; skipped?: boolean };

/** A batch sent to the instance and not yet answered. */
interface Held {
  /** performance.now() ms past which nobody waits for it. */
  deadline?: number;
  resolve(r: RunResult): void;
  reject(e: unknown): void;
}

/** One model instance. `onExit` fires once if it dies after starting. */
export class Instance {
  private host: InstanceHost | undefined;
  /** Batches sent and not yet answered, oldest first: the instance runs them in order. */
  private running = new Map<number, Held>();
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
    /**
     * Batches it may hold at once: 1; 2, so that the next batch already waits in an instance process when the
     * running one ends and it never sleeps between runs waiting for the server's thread; or, inline, as many as
     * fit the model's measured speed (model-engine.ts says when and why).
     */
    private readonly depth: number | (() => number) = 1,
  ) {}

  /** Holding as many batches as it may. */
  get busy(): boolean {
    return this.load >= (typeof this.depth === 'number' ? this.depth : this.depth());
  }

  /**
   * Batches it holds (running, and the next one when pipelined). One waiting behind the first whose deadline
   * passed does not count: its requests were answered 504, and the instance skips it without running it.
   * The first always counts, as it may be running.
   */
  get load(): number {
    let load = 0;
    const now = performance.now();
    for (const held of this.running.values())
      if (load === 0 || held.deadline === undefined || held.deadline > now) load++;
    return load;
  }

  /** Loaded, warmed up and alive. */
  get ready(): boolean {
    return this.host !== undefined && this.started;
  }

  /** The process the instance runs in (the server's own under thread isolation). */
  get pid(): number | undefined {
    return this.host?.pid;
  }

  /** Start the instance; resolves when the model is loaded and warmed up, rejects with the load failure. */
  start(): Promise<void> {
    if (!existsSync(INSTANCE_SCRIPT)) {
      return Promise.reject(new OodError('INTERNAL', `the instance script ${INSTANCE_SCRIPT} is missing`));
    }
    const { isolation = 'process', ...init } = this.spec;
    const host = startHost(isolation, init);
    this.host = host;
    // The last lines a process printed, kept for a load failure's message (the loader's error is among them).
    const output: string[] = [];
    host.onOutput((line) => {
      this.log('warn', `instance ${this.index}: ${line}`);
      if (this.started) return;
      output.push(line);
      if (output.length > 50) output.shift();
    });
    return new Promise((resolve, reject) => {
      host.onMessage((raw) => {
        const message = raw as Message;
        if (message.type === 'log') this.log('info', `instance ${this.index}: ${message.message}`);
        else if (message.type === 'ready') {
          this.started = true;
          this.warnings = message.warnings;
          resolve();
        } else if (message.type === 'load-failed') {
          // The code crossed a thread or process boundary as a string: keep it only if it is one of ours.
          const code = isErrorCode(message.error.code) ? message.error.code : 'MODEL_LOAD_FAILED';
          reject(new OodError(code, message.error.message));
          void host.terminate();
        } else this.settle(message);
      });
      host.onGone((why) => {
        // onnxruntime-node's addon failing to load (a system library missing) is the machine's problem, said so:
        // a thread reports it in `why`, a process on its stderr before it exits.
        const loader = [why, ...output]
          .map((line) => /\S+\.so[\w.]*: cannot open shared object file.*/.exec(line)?.[0])
          .find((line) => line !== undefined);
        const native = loader === undefined ? undefined : nativeLibraryError({ message: loader });
        if (!this.started)
          reject(native ?? new OodError('MODEL_LOAD_FAILED', `the model failed to load: ${why} while loading`));
        else this.died(why);
      });
    });
  }

  private settle(message: Extract<Message, { type: 'result' | 'error' }>): void {
    const running = this.running.get(message.id);
    if (!running) return;
    this.running.delete(message.id);
    if (message.type === 'error' && message.skipped) {
      running.reject(
        new OodError('DEADLINE_EXCEEDED', 'the batch was not run: its deadline passed', { details: { skipped: true } }),
      );
      return;
    }
    this.runs++;
    if (message.type === 'result') running.resolve({ outputs: message.outputs, inferMs: message.inferMs });
    else running.reject(new OodError('INFERENCE_FAILED', `inference failed: ${message.error.message}`));
  }

  private died(why: string): void {
    if (!this.host) return;
    this.host = undefined;
    const [running, ...waiting] = [...this.running.values()];
    this.running.clear();
    if (this.stopping) why = 'the server stopped';
    running?.reject(
      new OodError('INSTANCE_CRASHED', `the model instance crashed while running this request (${why})`, {
        hint: 'The instance was restarted; retry the request. If it crashes again, this input crashes the model.',
      }),
    );
    // The batches behind it never started (an instance runs in order, and every answer it wrote was read
    // before its end is reported): the scheduler queues them again.
    for (const w of waiting)
      w.reject(
        new OodError('INSTANCE_CRASHED', `the model instance died before running this request (${why})`, {
          details: { requeue: !this.stopping },
        }),
      );
    if (!this.stopping) this.onExit(this, why);
  }

  /**
   * Run one batch; the inputs' buffers may move to the instance, so the caller must not touch them afterwards.
   * Past `deadline` (performance.now() ms) the instance skips it if it has not begun it (rejects with
   * DEADLINE_EXCEEDED, `details.skipped`); it crosses to the instance as wall-clock ms, the clock both share.
   */
  run(inputs: NamedTensor[], outputs?: string[], deadline?: number): Promise<RunResult> {
    const host = this.host;
    if (!host || this.busy) return Promise.reject(new OodError('INTERNAL', 'instance is not idle'));
    const id = ++this.nextId;
    const notAfter = deadline === undefined ? undefined : performance.timeOrigin + deadline;
    return new Promise((resolve, reject) => {
      this.running.set(id, { deadline, resolve, reject });
      host.post({ type: 'run', id, inputs, outputs, notAfter }, inputs);
    });
  }

  /** Stop the instance for good (server shutdown); a batch still running is failed. */
  async stop(): Promise<void> {
    this.stopping = true;
    const host = this.host;
    if (!host) return;
    await host.terminate();
    this.died('the server stopped');
  }

  /** Test and operator hook: end the instance as a crash would (the pool restarts it). */
  async kill(): Promise<void> {
    await this.host?.terminate();
  }
}
