// Mahalanobis distance to the nearest class mean (Lee et al., "A Simple Unified Framework for Detecting
// Out-of-Distribution Samples and Adversarial Attacks", NeurIPS 2018), on the penultimate features, with class
// means and one shared covariance fitted on the calibration data and classes assigned by the model's own
// predictions. Score = −min_c (f − μ_c)ᵀ Σ⁻¹ (f − μ_c); higher means more in-distribution.
import type { FeatureMethod } from './feature-method.js';
import { rowSquaredNorm } from './feature-method.js';
import { addRidge, cholesky, classMeans, pooledCovariance, whiteningFactor } from '../features/linear-algebra.js';

const DEFAULT_RIDGE = 1e-6;

/**
 * In the graph, with W = Σ^(−½) (Cholesky-based, Σ⁻¹ = W·Wᵀ) and features centered on their mean c:
 *   z = (f − c)·W;  d_c = ‖z‖² − 2·z·m_c + ‖m_c‖²  with m_c = (μ_c − c)·W;  score = ReduceMax(−d).
 * Plain ONNX: Sub, MatMul, Mul, Add, Neg and ReduceMax (axes attribute before opset 18, input from 18).
 */
export const mahalanobis: FeatureMethod = {
  name: 'mahalanobis',
  summary: '−min over classes of the Mahalanobis distance of the penultimate features (shared covariance)',
  fit(sample, options) {
    const { features, dim, predictions } = sample;
    const ridge = options.ridge ?? DEFAULT_RIDGE;
    const { classes, means } = classMeans(features, dim, predictions);
    const center = new Float64Array(dim);
    for (let i = 0; i < sample.count; i++)
      for (let j = 0; j < dim; j++) center[j]! += features[i * dim + j]! / sample.count;
    const cov = pooledCovariance(features, dim, predictions, classes, means);
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
      parameters: { classes: classes.length, dim, samples: sample.count, ridge, shrinkage },
      build(b, f, out) {
        const z = b.binary(
          'MatMul',
          b.binary('Sub', f, b.floats('feature_center', [1, dim], center)),
          b.floats('whitening', [dim, dim], w),
        );
        const cross = b.binary('MatMul', z, b.floats('class_means_2t', [dim, classes.length], twoMt));
        const distance = b.binary(
          'Add',
          b.binary('Sub', rowSquaredNorm(b, z, dim), cross),
          b.floats('class_mean_norms', [1, classes.length], norms),
        );
        b.reduce('ReduceMax', b.op('Neg', [distance]), [1], true, out);
      },
    };
  },
};
