// Run a model over data with its penultimate features exposed as an extra graph output (for this run only; the
// enabled model never gets that output) and collect every sample's features, logits and predicted class. The
// fits, the warnings and `--method auto` all work from one such collection, so the network runs once per set.
import type * as ort from 'onnxruntime-node';
import { OodError } from '../../errors.js';
import type { OnnxModel } from '../../onnx/model.js';
import { encodeGraphOutput } from '../../onnx/encode.js';
import { ONNX_FLOAT } from '../../tensor/datatypes.js';
import { openScoringSession, runBatch, type ScoringSession } from '../scoring-session.js';
import type { FeedData } from '../data/feed-data.js';

/** Features (row-major N × dim; dim 0 when none were asked for), logits (N × classes) and predictions. */
export interface FeatureSample {
  features: Float32Array;
  dim: number;
  count: number;
  /** argmax of the logits per sample. */
  predictions: Int32Array;
  /** Number of logits (classes) the model has. */
  classes: number;
  /** The logits as FP32, row-major N × classes. */
  logits: Float32Array;
  /** The input of the linear layer before the features (find-features.ts findPreviousLayer), when collected. */
  previous?: { features: Float32Array; dim: number };
}

/** Collects model outputs batch by batch: `add` runs one batch; `result` stacks what was run. */
export class OutputCollector {
  private readonly features: Float32Array[] = [];
  private readonly logits: Float32Array[] = [];
  private readonly previous: Float32Array[] = [];
  private previousDim = 0;
  private dim = 0;
  private classes = 0;
  private count = 0;

  private constructor(
    private readonly scoring: ScoringSession,
    private readonly featureName: string | undefined,
    private readonly logitsName: string,
    private readonly previousName: string | undefined,
  ) {}

  /** A session over `model` that also outputs `features` (if given) and `previous` (if given) next to `logits`. */
  static async open(
    model: OnnxModel,
    features: string | undefined,
    logits: string,
    workDir: string,
    previous?: string,
  ): Promise<OutputCollector> {
    const hidden = [features, previous].filter(
      (t): t is string => t !== undefined && !model.info.graph.outputs.some((o) => o.name === t),
    );
    const edit = { appendGraph: hidden.map((t) => encodeGraphOutput(t, ONNX_FLOAT, null)) };
    return new OutputCollector(await openScoringSession(model, edit, workDir), features, logits, previous);
  }

  /** Run one batch of feeds whose first `rows` rows are real samples. */
  async add(feeds: Record<string, ort.Tensor>, rows: number, first: string): Promise<void> {
    const fetches = [this.featureName, this.logitsName, this.previousName].filter((t): t is string => t !== undefined);
    const out = await runBatch(
      this.scoring.session,
      feeds,
      fetches,
      first,
      "Check that the data matches the model's inputs, and that --features names a float tensor.",
    );
    const l = out[this.logitsName]!;
    const f = this.featureName ? out[this.featureName]! : undefined;
    if (l.type !== 'float32' || l.dims.length !== 2 || (f && (f.type !== 'float32' || f.dims.length !== 2))) {
      const what = f ? `features ${this.featureName} are ${f.type} [${f.dims.join(', ')}] and ` : '';
      throw new OodError(
        'FEATURES_UNSUPPORTED',
        `${what}logits ${this.logitsName} are ${l.type} [${l.dims.join(', ')}]; ood needs float32 [batch, features] and [batch, classes]`,
        {
          hint: 'Pass --features NAME with a rank-2 float tensor, e.g. the flattened input of the last linear layer.',
        },
      );
    }
    this.classes = Number(l.dims[1]);
    this.logits.push((l.data as Float32Array).slice(0, rows * this.classes));
    if (f) {
      this.dim = Number(f.dims[1]);
      this.features.push((f.data as Float32Array).slice(0, rows * this.dim));
    }
    if (this.previousName) {
      const p = out[this.previousName]!;
      if (p.type !== 'float32' || p.dims.length !== 2)
        throw new OodError(
          'FEATURES_UNSUPPORTED',
          `the previous layer's input ${this.previousName} is ${p.type} [${p.dims.join(', ')}]; ood needs float32 [batch, features]`,
          { hint: 'Use knn on the penultimate features (drop --knn-layer previous).' },
        );
      this.previousDim = Number(p.dims[1]);
      this.previous.push((p.data as Float32Array).slice(0, rows * this.previousDim));
    }
    this.count += rows;
  }

  /** Everything added so far. */
  result(): FeatureSample {
    const logits = stack(this.logits);
    const predictions = new Int32Array(this.count);
    for (let r = 0; r < this.count; r++) predictions[r] = argmax(logits, r * this.classes, this.classes);
    return {
      features: stack(this.features),
      dim: this.dim,
      count: this.count,
      predictions,
      classes: this.classes,
      logits,
      ...(this.previousName ? { previous: { features: stack(this.previous), dim: this.previousDim } } : {}),
    };
  }

  dispose(): Promise<void> {
    return this.scoring.dispose();
  }
}

/**
 * Collect features, logits and predictions over `data`. `features` and `logits` are tensor names of the original
 * graph (no features when `features` is undefined); `workDir` is where a large model's temporary copy goes.
 */
export async function collectFeatures(
  model: OnnxModel,
  features: string | undefined,
  logits: string,
  data: FeedData,
  workDir: string,
  previous?: string,
): Promise<FeatureSample> {
  const collector = await OutputCollector.open(model, features, logits, workDir, previous);
  try {
    for await (const batch of data.batches()) await collector.add(batch.feeds, batch.rows, batch.first);
    return collector.result();
  } finally {
    await collector.dispose();
  }
}

/** The rows `rows` (indices into `sample`) of a sample, in that order. */
export function subsetSample(sample: FeatureSample, rows: Int32Array): FeatureSample {
  const { dim, classes } = sample;
  const features = new Float32Array(rows.length * dim);
  const logits = new Float32Array(rows.length * classes);
  const predictions = new Int32Array(rows.length);
  const previousDim = sample.previous?.dim ?? 0;
  const previous = new Float32Array(rows.length * previousDim);
  rows.forEach((row, i) => {
    features.set(sample.features.subarray(row * dim, (row + 1) * dim), i * dim);
    logits.set(sample.logits.subarray(row * classes, (row + 1) * classes), i * classes);
    predictions[i] = sample.predictions[row]!;
    if (sample.previous)
      previous.set(sample.previous.features.subarray(row * previousDim, (row + 1) * previousDim), i * previousDim);
  });
  return {
    features,
    dim,
    count: rows.length,
    predictions,
    classes,
    logits,
    ...(sample.previous ? { previous: { features: previous, dim: previousDim } } : {}),
  };
}

/** Float32 parts end to end, in one array. */
export function stack(parts: readonly Float32Array[]): Float32Array {
  const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    all.set(p, offset);
    offset += p.length;
  }
  return all;
}

function argmax(values: Float32Array, start: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (values[start + i]! > values[start + best]!) best = i;
  return best;
}
