// The contract of feature-space scoring methods. Unlike logit methods (method.ts) they must be fitted first:
// `fit` sees the penultimate features of the calibration data and returns a scorer whose parameters are baked
// into the graph as initializers and recorded in metadata.
import type { OpBuilder } from '../../onnx/op-builder.js';
import type { FeatureSample } from '../features/collect-features.js';
import type { NodeInfo } from '../../onnx/decode.js';
import type { ScoreMethod } from './method.js';
import { OodError } from '../../errors.js';

/** Method-specific knobs (all optional; each method documents its defaults). */
export interface FeatureFitOptions {
  /** knn: which neighbour's similarity is the score (1 = nearest). */
  k?: number;
  /** knn: the most calibration features stored in the graph. */
  maxStored?: number;
  /** mahalanobis: shrinkage added to the covariance diagonal, as a fraction of its mean. */
  ridge?: number;
  /** react-energy: activations are clipped at this percentile of the calibration features (default 90). */
  clipPercentile?: number;
  /** vim: dimension of the principal subspace (default: dim / 2, or 1000 from 1536 features on). */
  principalDim?: number;
  /** scale, ash: per-row percentile of the activations that counts as the top (default 85 and 90). */
  shapePercentile?: number;
  /** knn: which features it reads: the penultimate ones (default) or the input of the linear layer before. */
  layer?: FeatureLayer;
}

/** The layers a feature method may read (find-features.ts). */
export const FEATURE_LAYERS = ['penultimate', 'previous'] as const;
export type FeatureLayer = (typeof FEATURE_LAYERS)[number];

/** The final linear layer as numbers: logits = W·f + b, with W row-major [classes, dim] (linear-head.ts). */
export interface LinearHead {
  weight: Float64Array;
  bias: Float64Array;
  classes: number;
  dim: number;
}

/** What a method may need from the model besides the features: the final linear layer (react-energy). */
export interface FeatureContext {
  features: string;
  logits: string;
  /** Absent when --features named the tensor instead of the default rule finding it. */
  head?: NodeInfo[];
  /** The input of the linear layer before the features (findPreviousLayer), when the model has one. */
  previousFeatures?: string;
  /** The head's weights, read when the method asks for them (`needsLinearHead`). */
  linearHead?: LinearHead;
  /**
   * Raw scores of a fitted method's branch on collected rows, run as enable would run it (auto/branch-scores.ts).
   * A combination (combined.ts) needs its parts' scores on rows they were not fitted on.
   */
  scoreRows?: (method: ScoreMethod, rows: FeatureSample) => Promise<Float32Array>;
}

/** A fitted scorer: builds FP32 [batch, 1] from FP32 features [batch, dim]; higher = more in-distribution. */
export interface FittedFeatureScore {
  /** JSON-safe summary for metadata (sizes and hyper-parameters, not the arrays). */
  parameters: Record<string, number | string | number[]>;
  /** `logits` is the model's logits as FP32 [batch, classes], for methods that combine both. */
  build(b: OpBuilder, features: string, out: string, logits: string): void;
}

export interface FeatureMethod {
  name: string;
  summary: string;
  /** The paper the method implements, for the docs and the candidates table. */
  paper?: string;
  /** True when `fit` reads `context.linearHead` (the final layer's weights). */
  needsLinearHead?: boolean;
  fit(
    sample: FeatureSample,
    options: FeatureFitOptions,
    context: FeatureContext,
  ): FittedFeatureScore | Promise<FittedFeatureScore>;
}

/**
 * Present a fitted feature scorer through the logit-method contract, so that enable's score graph and
 * normalization apply unchanged: the logits argument is ignored and the captured feature tensor is read.
 */
export function asScoreMethod(method: FeatureMethod, fitted: FittedFeatureScore, features: string): ScoreMethod {
  return {
    name: method.name,
    summary: method.summary,
    usesTemperature: false,
    build(b, logits, _temperature, out) {
      fitted.build(b, features, out, logits);
    },
  };
}

/** ‖x‖² per row of FP32 [batch, dim] as [batch, 1], with MatMul against ones (no opset-dependent ReduceSum). */
export function rowSquaredNorm(b: OpBuilder, x: string, dim: number): string {
  const squared = b.binary('Mul', x, x);
  return b.binary('MatMul', squared, b.floats('ones', [dim, 1], new Float32Array(dim).fill(1)));
}

/** The method needs the final layer's nodes; throw the usage error that says why and what to do. */
export function requireHead(method: string, context: FeatureContext): NodeInfo[] {
  if (context.head) return context.head;
  throw new OodError(
    'METHOD_NEEDS_HEAD',
    `${method} uses the final Gemm/MatMul layer of the model, which --features bypasses`,
    {
      hint: `Drop --features so that ood finds the input of the final linear layer, or use --method mahalanobis or knn.`,
    },
  );
}

/** The method needs the final layer's weights: `context.linearHead`, read by fit-feature-score.ts. */
export function requireLinearHead(method: string, context: FeatureContext): LinearHead {
  requireHead(method, context);
  if (!context.linearHead) throw new Error(`internal: ${method} was fitted without the head's weights`);
  return context.linearHead;
}

/** Per-column mean of row-major features, float64. */
export function featureMean(features: Float32Array, dim: number, count: number): Float64Array {
  const mean = new Float64Array(dim);
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) mean[j]! += features[i * dim + j]!;
  for (let j = 0; j < dim; j++) mean[j]! /= count;
  return mean;
}

/** Stands in for a feature method until enable has fitted it; building it unfitted is a bug. */
export function unfittedScoreMethod(method: FeatureMethod): ScoreMethod {
  return {
    name: method.name,
    summary: method.summary,
    usesTemperature: false,
    build() {
      throw new Error(`internal: ${method.name} must be fitted before its score graph is built`);
    },
  };
}
