// A byte budget across every request in flight (issue 18, "bounded resources"): request bodies as they arrive,
// the input tensors decoded from them and the output tensors an instance answers with are charged to the
// request's account, and given back when its response is finished or its client went away. A request that would
// take the total past the budget is refused with 503 and Retry-After (others are holding the memory: retry), or
// 413 when it alone needs more than the whole budget (no retry can help). Not charged: JSON parse trees while a
// body is decoded (transient), and onnxruntime's working memory during a run; the sessions run without
// onnxruntime's CPU arena so that the latter is returned once the run ends (docs/serve.md, "Memory").
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { OodError } from '../errors.js';
import type { NamedTensor } from '../tensor/tensor.js';

/** The memory this process may use: the cgroup v2 limit when one is set (a container), else the machine's. */
export function memoryLimit(): number {
  try {
    const max = readFileSync('/sys/fs/cgroup/memory.max', 'utf8').trim();
    if (/^\d+$/.test(max)) return Math.min(Number(max), totalmem());
  } catch {
    // no cgroup v2 file: not in a limited container
  }
  return totalmem();
}

/** The default budget: half of what the process may use, leaving the rest to the model's own memory. */
export function defaultMemoryBudget(): number {
  return Math.floor(memoryLimit() / 2);
}

const MIB = 2 ** 20;
const mib = (bytes: number) => `${(bytes / MIB).toFixed(1)} MiB`;

/** The shared budget. `used` and `limit` are what /metrics reports (ood_memory_budget_*). */
export class MemoryBudget {
  used = 0;

  constructor(readonly limit: number) {}

  /** A fresh account for one request. */
  open(): MemoryAccount {
    return new MemoryAccount(this);
  }

  /** Charge `bytes` or throw; called through an account. */
  charge(bytes: number, held: number, what: string): void {
    if (bytes <= 0) return;
    if (held + bytes > this.limit) {
      throw new OodError(
        'REQUEST_EXCEEDS_MEMORY',
        `the request needs more than the server's whole memory budget (${mib(held + bytes)} with its ${what}; ` +
          `the budget is ${mib(this.limit)})`,
        { hint: 'Send a smaller batch, or restart the server with a larger --max-memory.' },
      );
    }
    if (this.used + bytes > this.limit) {
      throw new OodError(
        'MEMORY_BUSY',
        `the server's memory budget is taken by requests in flight (${mib(this.used)} of ${mib(this.limit)}; ` +
          `this request's ${what} needs ${mib(bytes)} more)`,
        {
          hint: 'Retry after 1 s, or restart the server with a larger --max-memory.',
          details: { retryAfterSeconds: 1 },
        },
      );
    }
    this.used += bytes;
  }

  give(bytes: number): void {
    this.used -= bytes;
  }
}

/** What one request holds of the budget; `release()` gives all of it back (idempotent). */
export class MemoryAccount {
  held = 0;

  constructor(private readonly budget: MemoryBudget) {}

  take(bytes: number, what: string): void {
    this.budget.charge(bytes, this.held, what);
    this.held += Math.max(0, bytes);
  }

  /** Charge the tensors' bytes that are not views into `body` (binary tensor data decodes in place). */
  takeTensors(tensors: readonly NamedTensor[], what: string, body?: Uint8Array): void {
    let bytes = 0;
    for (const t of tensors) {
      const data = t.data as unknown;
      if (ArrayBuffer.isView(data)) {
        if (body === undefined || data.buffer !== body.buffer) bytes += data.byteLength;
      } else if (Array.isArray(data)) {
        // BYTES tensors: strings or byte arrays, counted by their length
        for (const v of data as unknown[])
          bytes += typeof v === 'string' ? v.length : ((v as Uint8Array)?.byteLength ?? 8);
      }
    }
    this.take(bytes, what);
  }

  release(): void {
    this.budget.give(this.held);
    this.held = 0;
  }
}
