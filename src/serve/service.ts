// What every protocol handler shares: the served model, the counters behind /stats, /metrics and the V2
// statistics extension, and one inference path (`infer`) that applies the deadline, turns model failures into
// 500s, keeps the requested outputs in order and feeds the certainty score to the metrics.
import { OodError } from '../errors.js';
import type { NamedTensor } from '../tensor/tensor.js';
import type { ServedModel } from './served-model.js';
import type { ServeRequest } from './http.js';
import { ServeStats } from './stats.js';
import { ModelStatistics, type ModelStat } from './model-statistics.js';
import type { ServeMetrics } from './metrics.js';
import { canBatch } from './batcher.js';
import type { WholeServer } from './acceptors/whole-server.js';

/** Options a server is started with that handlers need to know. */
export interface ServiceOptions {
  /** Largest accepted request body, in bytes. */
  maxBody: number;
  /** Dynamic batching: most rows per merged run; 0 or 1 turns it off. */
  maxBatch?: number;
  /** Dynamic batching: longest wait for company, in ms. */
  batchDelayMs?: number;
  /** Default deadline of an inference request, in ms (0 or undefined: none). */
  timeoutMs?: number;
}

/** The state behind all routes. */
export class ServeService {
  readonly stats = new ServeStats();
  readonly statistics = new ModelStatistics();

  constructor(
    readonly model: ServedModel,
    readonly options: ServiceOptions,
    readonly metrics?: ServeMetrics,
    /** With --acceptors: the whole server, whose counters /metrics and the statistics extension report. */
    readonly wholeServer?: WholeServer,
  ) {}

  /** The served outputs' positions by name, for answers that list every output; built once per signature. */
  private order?: { of: readonly { name: string }[]; index: Map<string, number> };
  private outputOrder(): Map<string, number> {
    const outputs = this.model.description.outputs;
    if (this.order?.of !== outputs) this.order = { of: outputs, index: new Map(outputs.map((t, i) => [t.name, i])) };
    return this.order.index;
  }

  /** The statistics extension's $model_stat: this server's, or every acceptor's summed. */
  async modelStat(): Promise<ModelStat> {
    if (this.wholeServer) return this.wholeServer.modelStat();
    const { name, version } = this.model.description;
    return this.statistics.snapshot(name, version);
  }

  /** The /metrics exposition: this server's registry, or every acceptor's aggregated. */
  async renderMetrics(): Promise<{ contentType: string; text: string } | undefined> {
    return this.wholeServer ? this.wholeServer.metrics() : this.metrics?.render();
  }

  /** 503 while loading, 503 naming the load error after a failed load. */
  assertReady(): void {
    if (this.model.state === 'ready') return;
    if (this.model.state === 'loading')
      throw new OodError('MODEL_LOADING', 'the model is still loading', {
        hint: 'Retry when /health answers 200.',
      });
    throw new OodError(
      'MODEL_LOAD_FAILED',
      `the model failed to load: ${this.model.loadError?.message ?? 'unknown error'}`,
      {},
    );
  }

  /** Dynamic batching as configured, when the model's signature allows it (every tensor has a batch dim). */
  get batching(): { max_batch: number; max_delay_ms: number } | null {
    const maxBatch = this.options.maxBatch ?? 0;
    const { inputs, outputs } = this.model.description;
    return maxBatch > 1 && canBatch(inputs, outputs)
      ? { max_batch: maxBatch, max_delay_ms: this.options.batchDelayMs ?? 0 }
      : null;
  }

  /** Name of the certainty score output when the model is certainty-enabled. */
  get scoreOutput(): string | undefined {
    const c = this.model.description.runtime?.CERTAINTY;
    if (c?.ENABLED) return c.OUTPUT ?? 'ood_scores';
    return this.model.description.outputs.some((t) => t.name === 'ood_scores') ? 'ood_scores' : undefined;
  }

  /**
   * Run the model; returns the requested outputs (all when `names` is undefined) in the requested order. The
   * deadline is the sooner of --timeout and the request's own (`timeoutMs`, e.g. V2's `timeout` parameter).
   */
  async infer(
    inputs: NamedTensor[],
    names?: readonly string[],
    request?: ServeRequest,
    timeoutMs?: number,
  ): Promise<NamedTensor[]> {
    this.assertReady();
    const budgets = [this.options.timeoutMs, timeoutMs].filter((t): t is number => t !== undefined && t > 0);
    const deadline = budgets.length > 0 ? (request?.receivedAt ?? performance.now()) + Math.min(...budgets) : undefined;
    if (request) request.timings.rows = inputs[0]?.shape[0] ?? 1;
    request?.memory?.takeTensors(inputs, 'input tensors', request.body);
    let outputs: NamedTensor[];
    try {
      const response = await this.model.predict(
        { inputs, outputs: names ? [...names] : undefined },
        { requestId: request?.requestId, deadline, timings: request?.timings },
      );
      outputs = response.outputs;
    } catch (err) {
      if (err instanceof OodError) throw err;
      throw new OodError('INFERENCE_FAILED', `inference failed: ${(err as Error)?.message ?? String(err)}`, {
        cause: err,
      });
    }
    request?.memory?.takeTensors(outputs, 'output tensors');
    const score = this.scoreOutput;
    const scores = score ? outputs.find((t) => t.name === score) : undefined;
    if (scores && this.metrics && typeof scores.data[0] !== 'string')
      this.metrics.observeScores(scores.data as ArrayLike<number>);
    if (!names) {
      const order = this.outputOrder();
      return [...outputs].sort((a, b) => (order.get(a.name) ?? 1e9) - (order.get(b.name) ?? 1e9));
    }
    return names.map((n) => {
      const t = outputs.find((o) => o.name === n);
      if (!t) throw new OodError('MODEL_OUTPUT_MISSING', `the model returned no output "${n}"`);
      return t;
    });
  }
}
