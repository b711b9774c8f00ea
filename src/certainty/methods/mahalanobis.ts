// Mahalanobis distance to the nearest class mean (Lee et al., "A Simple Unified Framework for Detecting
// Out-of-Distribution Samples and Adversarial Attacks", NeurIPS 2018), on the penultimate features, with class
// means and one shared covariance fitted on the calibration data and classes assigned by the model's own
// predictions. Score = −min_c (f − μ_c)ᵀ Σ⁻¹ (f − μ_c); higher means more in-distribution.
import type { OpBuilder } from '../../onnx/op-builder.js';
import type { FeatureMethod } from './feature-method.js';
import { rowSquaredNorm } from './feature-method.js';
import { addRidge, cholesky, classMeans, pooledCovariance, whiteningFactor } from '../features/linear-algebra.js';

export const DEFAULT_RIDGE = 1e-6;

/** Fitted class-conditional Gaussians with one shared covariance, ready to add their distance matrix. */
export interface ClassDistances {
  classes: number;
  shrinkage: number;
  /** Append d [batch, classes]: d_c = (f − μ_c)ᵀ Σ⁻¹ (f − μ_c). */
  build(b: OpBuilder, f: string): string;
}

/**
 * Fit class means and the pooled covariance of `features` grouped by `labels`. In the graph, with W = Σ^(−½)
 * (Cholesky-based, Σ⁻¹ = W·Wᵀ) and features centered on their mean c:
 *   z = (f − c)·W;  d_c = ‖z‖² − 2·z·m_c + ‖m_c‖²  with m_c = (μ_c − c)·W.
 * Plain ONNX: Sub, MatMul, Mul and Add.
 */
export function fitClassDistances(
  features: Float32Array,
  dim: number,
  labels: Int32Array,
  ridge: number,
): ClassDistances {
  const count = labels.length;
  const { classes, means } = classMeans(features, dim, labels);
  const center = new Float64Array(dim);
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) center[j]! += features[i * dim + j]! / count;
  const cov = pooledCovariance(features, dim, labels, classes, means);
  const shrinkage = addRidge(cov, dim, ridge);
  const w = whiteningFactor(cholesky(cov, dim), dim);
  // m_c = (μ_c − c)·W, stored transposed and doubled as [dim, C]; ‖m_c‖² as [1, C].
  const m = means.map((mu) => {
    const row = new Float64Array(dim);
    for (let j = 0; j < dim; j++) for (let k = 0; k < dim; k++) row[j]! += (mu[k]! - center[k]!) * w[k * dim + j]!;
    return row;
  });
  const twoMt = new Float32Array(dim * classes.length);
  m.forEach((row, c) => row.forEach((v, j) => (twoMt[j * classes.length + c] = 2 * v)));
  const norms = Float32Array.from(m, (row) => row.reduce((s, v) => s + v * v, 0));
  return {
    classes: classes.length,
    shrinkage,
    build(b, f) {
      const z = b.binary(
        'MatMul',
        b.binary('Sub', f, b.floats('feature_center', [1, dim], center)),
        b.floats('whitening', [dim, dim], w),
      );
      const cross = b.binary('MatMul', z, b.floats('class_means_2t', [dim, classes.length], twoMt));
      return b.binary(
        'Add',
        b.binary('Sub', rowSquaredNorm(b, z, dim), cross),
        b.floats('class_mean_norms', [1, classes.length], norms),
      );
    },
  };
}

/** score = ReduceMax(−d) over the classes (axes attribute before opset 18, input from 18). */
export const mahalanobis: FeatureMethod = {
  name: 'mahalanobis',
  summary: '−min over classes of the Mahalanobis distance of the penultimate features (shared covariance)',
  paper: 'Lee et al., NeurIPS 2018',
  fit(sample, options) {
    const ridge = options.ridge ?? DEFAULT_RIDGE;
    const fitted = fitClassDistances(sample.features, sample.dim, sample.predictions, ridge);
    return {
      parameters: {
        classes: fitted.classes,
        dim: sample.dim,
        samples: sample.count,
        ridge,
        shrinkage: fitted.shrinkage,
      },
      build(b, f, out) {
        b.reduce('ReduceMax', b.op('Neg', [fitted.build(b, f)]), [1], true, out);
      },
    };
  },
};
