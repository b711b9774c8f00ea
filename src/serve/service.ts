// What every protocol handler shares: the model host, its compiled request validator, the stats, and one
// inference path (`infer`) that turns model failures into 500s and keeps the requested outputs in order.
import { OodError } from '../errors.js';
import type { NamedTensor } from '../tensor/tensor.js';
import type { ServedModel } from './served-model.js';
import { ServeStats } from './stats.js';
import { canBatch, DynamicBatcher } from './batcher.js';

/** Options a server is started with that handlers need to know. */
export interface ServiceOptions {
  /** Largest accepted request body, in bytes. */
  maxBody: number;
  /** Dynamic batching: most rows per merged run; 0 or 1 turns it off. */
  maxBatch?: number;
  /** Dynamic batching: longest wait for company, in ms. */
  batchDelayMs?: number;
}

/** The state behind all routes. */
export class ServeService {
  readonly stats = new ServeStats();
  private batcher: DynamicBatcher | null | undefined;

  constructor(
    readonly model: ServedModel,
    readonly options: ServiceOptions,
  ) {}

  /** 503 while loading, 513-equivalent error after a failed load. */
  assertReady(): void {
    if (this.model.state === 'ready') return;
    if (this.model.state === 'loading')
      throw new OodError('MODEL_LOADING', 'the model is still loading', {
        httpStatus: 503,
        hint: 'Retry when /health answers 200.',
      });
    throw new OodError(
      'MODEL_LOAD_FAILED',
      `the model failed to load: ${this.model.loadError?.message ?? 'unknown error'}`,
      { httpStatus: 503 },
    );
  }

  /** Name of the certainty score output when the model is certainty-enabled. */
  get scoreOutput(): string | undefined {
    const c = this.model.description.runtime?.CERTAINTY;
    if (c?.ENABLED) return c.OUTPUT ?? 'ood_scores';
    return this.model.description.outputs.some((t) => t.name === 'ood_scores') ? 'ood_scores' : undefined;
  }

  /** The batcher, when batching is on and the model's signature allows it. */
  batcherFor(): DynamicBatcher | null {
    if (this.model.state !== 'ready') return null;
    if (this.batcher !== undefined) return this.batcher;
    const { inputs, outputs } = this.model.description;
    const maxBatch = this.options.maxBatch ?? 0;
    this.batcher =
      maxBatch > 1 && canBatch(inputs, outputs)
        ? new DynamicBatcher(async (batch) => (await this.model.predict({ inputs: batch })).outputs, {
            maxBatch,
            maxDelayMs: this.options.batchDelayMs ?? 0,
            maxInFlight: 1,
          })
        : null;
    return this.batcher;
  }

  /** Run the model; returns the requested outputs (all when `names` is undefined) in the requested order. */
  async infer(inputs: NamedTensor[], names?: readonly string[]): Promise<NamedTensor[]> {
    this.assertReady();
    let outputs: NamedTensor[];
    try {
      const batcher = this.batcherFor();
      outputs =
        batcher && inputs[0]!.shape.length > 0
          ? await batcher.submit(inputs)
          : (await this.model.predict({ inputs, outputs: names ? [...names] : undefined })).outputs;
    } catch (err) {
      if (err instanceof OodError) throw err;
      throw new OodError('INFERENCE_FAILED', `inference failed: ${(err as Error)?.message ?? String(err)}`, {
        kind: 'internal',
        cause: err,
      });
    }
    if (!names) {
      const order = new Map(this.model.description.outputs.map((t, i) => [t.name, i]));
      return [...outputs].sort((a, b) => (order.get(a.name) ?? 1e9) - (order.get(b.name) ?? 1e9));
    }
    return names.map((n) => {
      const t = outputs.find((o) => o.name === n);
      if (!t) throw new OodError('OUTPUT_MISSING', `the model returned no output "${n}"`, { kind: 'internal' });
      return t;
    });
  }
}
