// k-nearest-neighbour similarity on normalized penultimate features (Sun et al., "Out-of-Distribution Detection
// with Deep Nearest Neighbors", ICML 2022): score = cosine similarity to the k-th nearest of a bounded set of
// stored, L2-normalized calibration features, i.e. 1 − the k-th nearest cosine distance. Higher = in-distribution.
import { OodError } from '../../errors.js';
import { topKValues } from './safe-top-k.js';
import type { FeatureMethod } from './feature-method.js';
import { rowSquaredNorm } from './feature-method.js';

const DEFAULT_K = 10;
const DEFAULT_MAX_STORED = 1024;

/**
 * In the graph: f̂ = f / max(‖f‖, ε); s = f̂·Bᵀ with B the stored normalized features [K, dim] (stored as
 * Bᵀ, [dim, K]); TopK(s, k) along axis 1 (safe-top-k.ts, so an empty batch computes); score = its k-th value.
 */
export const knn: FeatureMethod = {
  name: 'knn',
  summary: 'cosine similarity to the k-th nearest stored calibration feature (normalized penultimate features)',
  fit(sample, options) {
    const { features, dim, count } = sample;
    const k = options.k ?? DEFAULT_K;
    const maxStored = options.maxStored ?? DEFAULT_MAX_STORED;
    const stored = Math.min(count, maxStored);
    if (!Number.isInteger(k) || k < 1 || k > stored) {
      throw new OodError(
        'KNN_BAD_K',
        `k = ${k} must be an integer between 1 and the number of stored features (${stored})`,
        {
          hint: 'Lower --knn-k or calibrate on more samples.',
        },
      );
    }
    // Evenly spaced rows, so that a bounded store still covers the whole calibration set deterministically.
    const bt = new Float32Array(dim * stored);
    for (let s = 0; s < stored; s++) {
      const row = Math.floor((s * count) / stored);
      let norm = 0;
      for (let j = 0; j < dim; j++) norm += features[row * dim + j]! ** 2;
      const scale = 1 / Math.max(Math.sqrt(norm), 1e-12);
      for (let j = 0; j < dim; j++) bt[j * stored + s] = features[row * dim + j]! * scale;
    }
    return {
      parameters: { k, stored, dim, samples: count },
      build(b, f, out) {
        const norm = b.binary('Max', b.op('Sqrt', [rowSquaredNorm(b, f, dim)]), b.floats('norm_floor', [], [1e-12]));
        const similarity = b.binary(
          'MatMul',
          b.binary('Div', f, norm),
          b.floats('stored_features_t', [dim, stored], bt),
        );
        const values = topKValues(b, similarity, stored, k);
        b.op('Gather', [values, b.ints('kth', [1], [k - 1])], { axis: { int: 1 } }, out);
      },
    };
  },
};
