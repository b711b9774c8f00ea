// Dynamic batching (as Triton and KServe do): requests that arrive while the model is busy are concatenated along
// the batch dimension into one run, and the outputs are split back by rows. An idle model runs a request at once;
// `maxDelayMs` optionally holds the first request of a batch a little to let others join. If a merged run fails,
// each request is retried alone, so one bad request cannot fail its neighbours.
import type { TensorSpec } from '../artifact/spec.js';
import type { NamedTensor } from '../tensor/tensor.js';
import { concatRows, sliceRows } from '../tensor/rows.js';

type Run = (inputs: NamedTensor[]) => Promise<NamedTensor[]>;

interface Pending {
  inputs: NamedTensor[];
  rows: number;
  resolve(outputs: NamedTensor[]): void;
  reject(err: unknown): void;
}

export interface BatcherOptions {
  /** Most rows in one merged run. */
  maxBatch: number;
  /** How long the first queued request may wait for company, in ms (0: only what queued while busy). */
  maxDelayMs: number;
  /** Merged runs allowed at once (onnxruntime runs them on its own threads). */
  maxInFlight: number;
}

/**
 * True when every input and output has a dynamic first dimension, and the named ones share one name (e.g.
 * "batch"), so rows can be merged and split. The server cannot prove that dimension is a batch, which is why
 * batching is opt-in.
 */
export function canBatch(inputs: readonly TensorSpec[], outputs: readonly TensorSpec[]): boolean {
  const all = [...inputs, ...outputs];
  const dynamicFirst = (t: TensorSpec) =>
    t.shape.length > 0 && (typeof t.shape[0] === 'string' || (t.shape[0] as number) < 0);
  const names = new Set(all.map((t) => t.shape[0]).filter((d) => typeof d === 'string'));
  return inputs.length > 0 && all.every(dynamicFirst) && names.size <= 1;
}

/** A queue in front of the model that merges compatible concurrent requests. */
export class DynamicBatcher {
  private queue: Pending[] = [];
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Merged runs and the requests they carried, for /stats. */
  runs = 0;
  batched = 0;

  constructor(
    private readonly run: Run,
    private readonly options: BatcherOptions,
  ) {}

  /** Queue one request; resolves with its own rows of every output. */
  submit(inputs: NamedTensor[]): Promise<NamedTensor[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ inputs, rows: inputs[0]!.shape[0]!, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0 && this.inFlight < this.options.maxInFlight) {
      const waitForCompany =
        this.options.maxDelayMs > 0 && this.inFlight === 0 && this.queueRows() < this.options.maxBatch;
      if (waitForCompany) {
        this.timer ??= setTimeout(() => {
          this.timer = undefined;
          this.flush();
        }, this.options.maxDelayMs);
        return;
      }
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.flush();
    }
  }

  private queueRows(): number {
    return this.queue.reduce((n, p) => n + p.rows, 0);
  }

  /** Take compatible requests from the head of the queue (same shapes past the batch dim) and run them. */
  private flush(): void {
    if (this.queue.length === 0) return;
    const key = (p: Pending) => p.inputs.map((t) => `${t.name}:${t.datatype}:${t.shape.slice(1).join('x')}`).join('|');
    const head = this.queue[0]!;
    const k = key(head);
    const group: Pending[] = [];
    let rows = 0;
    this.queue = this.queue.filter((p) => {
      if (key(p) === k && (group.length === 0 || rows + p.rows <= this.options.maxBatch)) {
        group.push(p);
        rows += p.rows;
        return false;
      }
      return true;
    });
    this.inFlight++;
    void this.execute(group).finally(() => {
      this.inFlight--;
      this.pump();
    });
  }

  private async execute(group: Pending[]): Promise<void> {
    if (group.length === 1) {
      const p = group[0]!;
      await this.run(p.inputs).then(p.resolve, p.reject);
      return;
    }
    this.runs++;
    this.batched += group.length;
    const merged = group[0]!.inputs.map((_, i) => concatRows(group.map((p) => p.inputs[i]!)));
    let outputs: NamedTensor[];
    try {
      outputs = await this.run(merged);
    } catch {
      await Promise.all(group.map((p) => this.run(p.inputs).then(p.resolve, p.reject)));
      return;
    }
    if (outputs.some((t) => t.shape[0] !== merged[0]!.shape[0])) {
      // An output without a per-row first dim cannot be split: answer each request from its own run.
      await Promise.all(group.map((p) => this.run(p.inputs).then(p.resolve, p.reject)));
      return;
    }
    let from = 0;
    for (const p of group) {
      p.resolve(outputs.map((t) => sliceRows(t, from, from + p.rows)));
      from += p.rows;
    }
  }
}
