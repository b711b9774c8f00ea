// GET /metrics in the Prometheus text exposition format (version 0.0.4), through prom-client: requests by route
// and status, latency split into queue, decode, inference and encode, queue depth, batch sizes, instance
// restarts, and the certainty signal: a histogram of ood_scores per model and the count of scored rows below
// --ood-threshold, so "the share of out-of-distribution traffic doubled" is one PromQL ratio (docs/serve.md).
// Each server has its own registry, so several servers in one process do not share counters.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** ood_scores are calibrated into [0, 1]: twenty equal buckets. */
const SCORE_BUCKETS = Array.from({ length: 20 }, (_, i) => Math.round((i + 1) * 5) / 100);

/** The per-request facts a finished request reports. */
export interface RequestRecord {
  route: string;
  status: number;
  seconds: number;
  decodeMs?: number;
  queueMs?: number;
  inferMs?: number;
  encodeMs?: number;
}

/** Every metric of one server. */
export class ServeMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'route' | 'status'>;
  private readonly latency: Histogram<'route'>;
  private readonly phase: Histogram<'phase'>;
  readonly queueDepth: Gauge;
  private readonly batchSize: Histogram;
  private readonly restarts: Counter;
  private readonly aborts: Counter;
  private readonly scores: Histogram<'model'>;
  private readonly scored: Counter<'model'>;
  private readonly below: Counter<'model'>;

  constructor(
    private readonly model: string,
    /** Rows whose score is below this count as out-of-distribution; undefined: no OOD counter. */
    readonly oodThreshold: number | undefined,
    queueDepth: () => number,
    /** The memory budget's bytes in use and its limit (memory-budget.ts). */
    memory?: () => { used: number; limit: number },
    /** HTTP requests received and not yet answered. */
    inFlight?: () => number,
  ) {
    const registers = [this.registry];
    if (inFlight)
      new Gauge({
        name: 'ood_requests_in_flight',
        help: 'HTTP requests received and not yet answered (this scrape included).',
        registers,
        collect() {
          this.set(inFlight());
        },
      });
    if (memory) {
      new Gauge({
        name: 'ood_memory_budget_used_bytes',
        help: 'Bytes of request bodies and tensors held by requests in flight (--max-memory budget).',
        registers,
        collect() {
          this.set(memory().used);
        },
      });
      new Gauge({
        name: 'ood_memory_budget_limit_bytes',
        help: 'The --max-memory budget across requests in flight.',
        registers,
        collect() {
          this.set(memory().limit);
        },
      });
    }
    collectDefaultMetrics({ register: this.registry, prefix: 'ood_process_' });
    this.requests = new Counter({
      name: 'ood_requests_total',
      help: 'HTTP requests answered, by route and status code.',
      labelNames: ['route', 'status'],
      registers,
    });
    this.latency = new Histogram({
      name: 'ood_request_duration_seconds',
      help: 'Time from the request arriving to its response being written, by route.',
      labelNames: ['route'],
      buckets: SECONDS,
      registers,
    });
    this.phase = new Histogram({
      name: 'ood_inference_phase_duration_seconds',
      help: 'Time of inference requests in each phase: queue, decode, inference, encode.',
      labelNames: ['phase'],
      buckets: SECONDS,
      registers,
    });
    this.queueDepth = new Gauge({
      name: 'ood_queue_depth',
      help: 'Requests waiting for a model instance.',
      registers,
      collect() {
        this.set(queueDepth());
      },
    });
    this.batchSize = new Histogram({
      name: 'ood_batch_size',
      help: 'Rows per model execution (dynamic batching merges requests).',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers,
    });
    this.aborts = new Counter({
      name: 'ood_requests_aborted_total',
      help: 'Requests whose client went away before its body arrived (not answered, not in the latencies).',
      registers,
    });
    this.restarts = new Counter({
      name: 'ood_instance_restarts_total',
      help: 'Model instances that died and were restarted.',
      registers,
    });
    this.scores = new Histogram({
      name: 'ood_scores',
      help: 'Certainty scores (ood_scores output) of answered rows: high for inputs like the training data.',
      labelNames: ['model'],
      buckets: SCORE_BUCKETS,
      registers,
    });
    this.scored = new Counter({
      name: 'ood_scored_rows_total',
      help: 'Rows whose certainty score was observed.',
      labelNames: ['model'],
      registers,
    });
    this.below = new Counter({
      name: 'ood_out_of_distribution_rows_total',
      help: 'Rows whose certainty score fell below the OOD threshold (see ood_threshold).',
      labelNames: ['model'],
      registers,
    });
    const threshold = new Gauge({
      name: 'ood_threshold',
      help: 'The OOD threshold in use.',
      labelNames: ['model'],
      aggregator: 'first', // the same on every acceptor (--acceptors): not a sum
      registers,
    });
    if (oodThreshold !== undefined) threshold.set({ model }, oodThreshold);
    this.scored.inc({ model }, 0);
    this.below.inc({ model }, 0);
  }

  /** Record one answered request. */
  request(r: RequestRecord): void {
    this.requests.inc({ route: r.route, status: String(r.status) });
    this.latency.observe({ route: r.route }, r.seconds);
    for (const [phase, ms] of [
      ['decode', r.decodeMs],
      ['queue', r.queueMs],
      ['inference', r.inferMs],
      ['encode', r.encodeMs],
    ] as const) {
      if (ms !== undefined) this.phase.observe({ phase }, ms / 1000);
    }
  }

  /** Record one request its client aborted before sending its whole body. */
  aborted(): void {
    this.aborts.inc();
  }

  /** Record one model execution of `rows` rows. */
  batch(rows: number): void {
    this.batchSize.observe(rows);
  }

  restarted(): void {
    this.restarts.inc();
  }

  /** Record the certainty scores of one answer. */
  observeScores(values: ArrayLike<number>): void {
    const model = this.model;
    let below = 0;
    for (let i = 0; i < values.length; i++) {
      const v = Number(values[i]);
      if (!Number.isFinite(v)) continue;
      this.scores.observe({ model }, v);
      if (this.oodThreshold !== undefined && v < this.oodThreshold) below++;
    }
    this.scored.inc({ model }, values.length);
    if (below > 0) this.below.inc({ model }, below);
  }

  /** The text exposition and its content type. */
  async render(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}
