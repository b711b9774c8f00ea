// The queue between the HTTP thread and the model instances, with Triton's dynamic batcher rules: a batch forms
// when an instance is free (so batches form per instance), from requests of the same shape past the batch
// dimension, never splitting a request and never exceeding max_batch rows; the first request may wait up to
// `maxDelayMs` for company (Triton's max_queue_delay_microseconds). The queue is bounded (past it: 503 with
// Retry-After), and a request whose deadline passes is answered 504 and dropped from the queue at once.
import { OodError } from '../../errors.js';
import type { NamedTensor } from '../../tensor/tensor.js';
import { concatRows, sliceRows } from '../../tensor/rows.js';
import type { RunResult } from './instance.js';

/** What the scheduler needs of an instance. */
export interface Runner {
  readonly index: number;
  /** Holding as many batches as it may. */
  readonly busy: boolean;
  readonly ready: boolean;
  /** Batches it holds; the least loaded runner gets the next one. */
  readonly load?: number;
  /**
   * Run one batch. `deadline` (performance.now() ms) is when every member of the batch has given up: a batch still
   * waiting in the instance then is not run, and stops counting against `busy` and `load`.
   */
  run(inputs: NamedTensor[], outputs?: string[], deadline?: number): Promise<RunResult>;
}

export interface SchedulerOptions {
  /** Most rows in one batch; 0 or 1: every request runs alone. */
  maxBatch: number;
  /** How long the head of the queue may wait for company, in ms. */
  maxDelayMs: number;
  /** Requests allowed to wait; one more gets 503. */
  maxQueue: number;
}

/** Where a request's time went, filled in as it moves. */
export interface Timings {
  queueMs?: number;
  inferMs?: number;
  batchSize?: number;
}

/** One request as it is submitted. */
export interface Job {
  inputs: NamedTensor[];
  /** Outputs asked for; all when undefined. */
  outputs?: string[];
  /** Absolute deadline in performance.now() milliseconds. */
  deadline?: number;
  requestId?: string;
  timings: Timings;
}

interface Pending {
  requestId?: string;
  inputs: NamedTensor[];
  outputs?: string[];
  rows: number;
  key: string;
  enqueuedAt: number;
  deadline?: number;
  timings: Timings;
  settled: boolean;
  timer?: NodeJS.Timeout;
  resolve(outputs: NamedTensor[]): void;
  reject(err: unknown): void;
}

/** Observers of what the scheduler does, for /metrics and the statistics extension. */
export interface SchedulerEvents {
  batch?(size: number, requests: number, result: RunResult | null): void;
  /** A batch was lost with its instance: these requests failed. */
  crash?(runner: Runner, requestIds: string[]): void;
}

const shapeKey = (inputs: readonly NamedTensor[]) =>
  inputs.map((t) => `${t.name}:${t.datatype}:${t.shape.slice(1).join('x')}`).join('|');

/** The request queue in front of a set of instances. */
export class Scheduler {
  private queue: Pending[] = [];
  private delayTimer: NodeJS.Timeout | undefined;
  /** Mean time an instance takes per batch (an exponential average of the last ~10), for Retry-After. */
  private runMs = 0;
  private aloneKeys = 0;

  constructor(
    private readonly runners: () => readonly Runner[],
    private readonly options: SchedulerOptions,
    private readonly events: SchedulerEvents = {},
  ) {}

  get depth(): number {
    return this.queue.length;
  }

  /** Mean inference time of a batch in ms; 0 until the first one ends. */
  get meanRunMs(): number {
    return this.runMs;
  }

  /** Queue one request; resolves with its outputs, rejects with an OodError carrying the HTTP status. */
  submit({ inputs, outputs, deadline, requestId, timings }: Job): Promise<NamedTensor[]> {
    if (this.queue.length >= this.options.maxQueue) {
      const seconds = Math.max(1, Math.ceil((this.runMs * this.queue.length) / 1000 / this.readyCount()));
      return Promise.reject(
        new OodError('QUEUE_FULL', `the server is at capacity: ${this.queue.length} requests are already waiting`, {
          hint: `Retry after ${seconds} s, or start the server with more --instances or a larger --max-queue.`,
          details: { retryAfterSeconds: seconds },
        }),
      );
    }
    return new Promise<NamedTensor[]>((resolve, reject) => {
      const p: Pending = {
        requestId,
        inputs,
        outputs,
        rows: inputs[0]?.shape[0] ?? 1,
        key: this.options.maxBatch > 1 ? shapeKey(inputs) : '', // only batching compares keys
        enqueuedAt: performance.now(),
        deadline,
        timings,
        settled: false,
        resolve: (v) => {
          if (p.settled) return;
          p.settled = true;
          clearTimeout(p.timer);
          resolve(v);
        },
        reject: (e) => {
          if (p.settled) return;
          p.settled = true;
          clearTimeout(p.timer);
          reject(e);
        },
      };
      if (deadline !== undefined) {
        // A timer may fire up to 1 ms early by performance.now(); expire() must find the deadline passed (an
        // instance frees the slot of a batch by the same clock).
        p.timer = setTimeout(() => this.expire(p), Math.max(0, Math.ceil(deadline - performance.now()) + 1));
      }
      this.queue.push(p);
      this.pump();
    });
  }

  private readyCount(): number {
    return Math.max(1, this.runners().filter((r) => r.ready).length);
  }

  private expire(p: Pending): void {
    const queued = this.queue.indexOf(p);
    if (queued >= 0) this.queue.splice(queued, 1); // its tensors are released with it
    p.reject(
      new OodError('DEADLINE_EXCEEDED', `the request was not answered within its deadline`, {
        hint: 'Send a smaller batch, raise --timeout (or the V2 "timeout" parameter), or add --instances.',
      }),
    );
    // Sent ahead into an instance (pipelining) and not begun, it no longer holds that instance's slot.
    if (queued < 0) this.pump();
  }

  /** Hand work to every instance that can take it, the least loaded first. Called on submit and on every answer. */
  pump(): void {
    for (;;) {
      if (this.queue.length === 0) return;
      let best: Runner | undefined;
      for (const runner of this.runners())
        if (runner.ready && !runner.busy && (best === undefined || (runner.load ?? 0) < (best.load ?? 0)))
          best = runner;
      if (!best || this.shouldWait()) return;
      this.dispatch(best, this.takeBatch());
    }
  }

  /** Triton's max_queue_delay: hold a batch that is not yet full until the head has waited long enough. */
  private shouldWait(): boolean {
    const { maxBatch, maxDelayMs } = this.options;
    if (maxBatch <= 1 || maxDelayMs <= 0) return false;
    const head = this.queue[0]!;
    const rows = this.queue.reduce((n, p) => (p.key === head.key ? n + p.rows : n), 0);
    const waited = performance.now() - head.enqueuedAt;
    if (rows >= maxBatch || waited >= maxDelayMs) return false;
    this.delayTimer ??= setTimeout(() => {
      this.delayTimer = undefined;
      this.pump();
    }, maxDelayMs - waited);
    return true;
  }

  /** The head of the queue and the requests of its shape behind it, up to maxBatch rows, never split. */
  private takeBatch(): Pending[] {
    if (this.delayTimer) clearTimeout(this.delayTimer);
    this.delayTimer = undefined;
    const head = this.queue.shift()!;
    const group = [head];
    if (this.options.maxBatch <= 1) return group;
    let rows = head.rows;
    this.queue = this.queue.filter((p) => {
      if (p.key !== head.key || rows + p.rows > this.options.maxBatch) return true;
      group.push(p);
      rows += p.rows;
      return false;
    });
    return group;
  }

  private dispatch(runner: Runner, group: Pending[]): void {
    const started = performance.now();
    for (const p of group) p.timings.queueMs = started - p.enqueuedAt;
    const rows = group.reduce((n, p) => n + p.rows, 0);
    const single = group.length === 1;
    const inputs = single
      ? group[0]!.inputs
      : group[0]!.inputs.map((_, i) => concatRows(group.map((p) => p.inputs[i]!)));
    // The batch is moot only once every member has given up: the latest deadline, none if one member has none.
    const deadlines = group.map((p) => p.deadline);
    const deadline = deadlines.includes(undefined) ? undefined : Math.max(...(deadlines as number[]));
    const run = runner.run(inputs, single ? group[0]!.outputs : undefined, deadline);
    void run
      .then(
        (result) => {
          this.runMs = this.runMs === 0 ? result.inferMs : 0.9 * this.runMs + 0.1 * result.inferMs;
          this.events.batch?.(rows, group.length, result);
          // Queue time is everything before the run began: a pipelined batch also waited inside its instance
          // for the one ahead of it, which only the answer's arrival reveals (the rest is the hand-over).
          const answered = performance.now();
          for (const p of group) {
            p.timings.queueMs = Math.max(0, answered - p.enqueuedAt - result.inferMs);
            p.timings.inferMs = result.inferMs;
            p.timings.batchSize = rows;
          }
          if (single) return group[0]!.resolve(result.outputs);
          if (result.outputs.some((t) => t.shape[0] !== rows)) return this.retryAlone(group);
          let from = 0;
          for (const p of group) {
            p.resolve(result.outputs.map((t) => sliceRows(t, from, from + p.rows)));
            from += p.rows;
          }
        },
        (err: unknown) => {
          if (err instanceof OodError && err.details?.skipped === true) return; // every member already had its 504
          if (err instanceof OodError && err.details?.requeue === true) {
            this.queue.unshift(...group.filter((p) => !p.settled)); // sent behind a crash, never run: again
            return;
          }
          this.events.batch?.(rows, group.length, null);
          const crashed = err instanceof OodError && err.code === 'INSTANCE_CRASHED';
          if (crashed)
            this.events.crash?.(
              runner,
              group.map((p) => p.requestId ?? '?'),
            );
          // A merged run that fails, or whose instance dies, may do so for one member only: run each alone, so
          // only that one fails (a poisonous request then costs one more restart, not its neighbours' answers).
          if (single) for (const p of group) p.reject(err);
          else this.retryAlone(group);
        },
      )
      .finally(() => this.pump());
  }

  /** Put the members of a batch back at the front of the queue, each to run alone. */
  private retryAlone(group: Pending[]): void {
    const alone = group.filter((p) => !p.settled);
    for (const p of alone) p.key = `alone#${++this.aloneKeys}`; // a key no other request shares
    this.queue.unshift(...alone);
  }

  /** Fail everything still waiting (server stop past its drain budget). */
  failAll(err: OodError): void {
    const queued = this.queue;
    this.queue = [];
    for (const p of queued) p.reject(err);
  }
}
