// The KServe V2 statistics extension as Triton defines it (triton-inference-server/server,
// docs/protocol/extension_statistics.md): GET v2/models[/${MODEL_NAME}[/versions/${MODEL_VERSION}]]/stats answers
// {"model_stats": [$model_stat]} with cumulative counts and nanosecond totals. Fed by the same events as /metrics.
// Our phases map onto Triton's: compute_input is decoding the request into tensors, compute_infer the model run
// (in its instance), compute_output encoding the response; queue is the wait for an instance.

interface Duration {
  count: number;
  ns: number;
}

const zero = (): Duration => ({ count: 0, ns: 0 });
const add = (d: Duration, ms: number | undefined) => {
  if (ms === undefined) return;
  d.count++;
  d.ns += Math.round(ms * 1e6);
};

type InferenceStats = Record<
  'success' | 'fail' | 'queue' | 'compute_input' | 'compute_infer' | 'compute_output' | 'cache_hit' | 'cache_miss',
  Duration
>;
type BatchStat = { batch_size: number } & Record<'compute_input' | 'compute_infer' | 'compute_output', Duration>;

/** Triton's $model_stat. */
export interface ModelStat {
  name: string;
  version: string;
  last_inference: number;
  inference_count: number;
  execution_count: number;
  inference_stats: InferenceStats;
  batch_stats: BatchStat[];
}

/** One finished inference request, as the statistics need it. */
export interface InferenceRecord {
  ok: boolean;
  totalMs: number;
  rows: number;
  decodeMs?: number;
  queueMs?: number;
  encodeMs?: number;
}

/** Cumulative per-model statistics since the server started. */
export class ModelStatistics {
  private lastInference = 0;
  private inferenceCount = 0;
  private executionCount = 0;
  private readonly stats: InferenceStats = {
    success: zero(),
    fail: zero(),
    queue: zero(),
    compute_input: zero(),
    compute_infer: zero(),
    compute_output: zero(),
    cache_hit: zero(),
    cache_miss: zero(),
  };
  private readonly batches = new Map<number, { compute_infer: Duration }>();

  /** A finished inference request (success counts its rows, as Triton counts each inference in a batch). */
  request(r: InferenceRecord): void {
    add(r.ok ? this.stats.success : this.stats.fail, r.totalMs);
    if (!r.ok) return;
    this.lastInference = Date.now();
    this.inferenceCount += r.rows;
    add(this.stats.queue, r.queueMs);
    add(this.stats.compute_input, r.decodeMs);
    add(this.stats.compute_output, r.encodeMs);
  }

  /** Executions that merged several requests, and the requests they carried (for DRUM's /stats). */
  mergedRuns = 0;
  mergedRequests = 0;

  /** One model execution (a batch of one or more requests). */
  execution(rows: number, requests: number, inferMs: number): void {
    this.executionCount++;
    if (requests > 1) {
      this.mergedRuns++;
      this.mergedRequests += requests;
    }
    add(this.stats.compute_infer, inferMs);
    let b = this.batches.get(rows);
    if (!b) this.batches.set(rows, (b = { compute_infer: zero() }));
    add(b.compute_infer, inferMs);
  }

  /** $model_stat for this model. */
  snapshot(name: string, version: string): ModelStat {
    return {
      name,
      version,
      last_inference: this.lastInference,
      inference_count: this.inferenceCount,
      execution_count: this.executionCount,
      inference_stats: structuredClone(this.stats),
      batch_stats: [...this.batches]
        .sort((a, b) => a[0] - b[0])
        .map(([size, b]) => ({
          batch_size: size,
          compute_input: zero(),
          compute_infer: { ...b.compute_infer },
          compute_output: zero(),
        })),
    };
  }
}

/**
 * Several acceptors' $model_stat of the same model as one (`--acceptors`): counts and nanoseconds summed, the
 * latest last_inference, batch_stats joined by batch size. Triton keeps one set of counters per model; this is
 * what that set would hold had one process served every request.
 */
export function mergeModelStats(stats: readonly ModelStat[]): ModelStat {
  const [first, ...others] = stats;
  if (!first) throw new Error('mergeModelStats needs at least one $model_stat');
  const sum = (a: Duration, b: Duration): Duration => ({ count: a.count + b.count, ns: a.ns + b.ns });
  const out = structuredClone(first);
  const batches = new Map(out.batch_stats.map((b) => [b.batch_size, b]));
  for (const s of others) {
    out.last_inference = Math.max(out.last_inference, s.last_inference);
    out.inference_count += s.inference_count;
    out.execution_count += s.execution_count;
    for (const key of Object.keys(out.inference_stats) as (keyof InferenceStats)[])
      out.inference_stats[key] = sum(out.inference_stats[key], s.inference_stats[key]);
    for (const b of s.batch_stats) {
      const mine = batches.get(b.batch_size);
      if (!mine) batches.set(b.batch_size, structuredClone(b));
      else
        for (const key of ['compute_input', 'compute_infer', 'compute_output'] as const)
          mine[key] = sum(mine[key], b[key]);
    }
  }
  out.batch_stats = [...batches.values()].sort((a, b) => a.batch_size - b.batch_size);
  return out;
}
