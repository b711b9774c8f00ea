// The contract of feature-space scoring methods. Unlike logit methods (method.ts) they must be fitted first:
// `fit` sees the penultimate features of the calibration data and returns a scorer whose parameters are baked
// into the graph as initializers and recorded in metadata.
import type { OpBuilder } from '../../onnx/op-builder.js';
import type { FeatureSample } from '../features/collect-features.js';
import type { NodeInfo } from '../../onnx/decode.js';
import type { ScoreMethod } from './method.js';

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
}

/** What a method may need from the model besides the features: the final linear layer (react-energy). */
export interface FeatureContext {
  features: string;
  logits: string;
  /** Absent when --features named the tensor instead of the default rule finding it. */
  head?: NodeInfo[];
}

/** A fitted scorer: builds FP32 [batch, 1] from FP32 features [batch, dim]; higher = more in-distribution. */
export interface FittedFeatureScore {
  /** JSON-safe summary for metadata (sizes and hyper-parameters, not the arrays). */
  parameters: Record<string, number | string | number[]>;
  build(b: OpBuilder, features: string, out: string): void;
}

export interface FeatureMethod {
  name: string;
  summary: string;
  fit(sample: FeatureSample, options: FeatureFitOptions, context: FeatureContext): FittedFeatureScore;
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
    build(b, _logits, _temperature, out) {
      fitted.build(b, features, out);
    },
  };
}

/** ‖x‖² per row of FP32 [batch, dim] as [batch, 1], with MatMul against ones (no opset-dependent ReduceSum). */
export function rowSquaredNorm(b: OpBuilder, x: string, dim: number): string {
  const squared = b.binary('Mul', x, x);
  return b.binary('MatMul', squared, b.floats('ones', [dim, 1], new Float32Array(dim).fill(1)));
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
