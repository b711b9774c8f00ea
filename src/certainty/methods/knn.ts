// k-nearest-neighbour similarity on normalized penultimate features (Sun et al., "Out-of-Distribution Detection
// with Deep Nearest Neighbors", ICML 2022): score = cosine similarity to the k-th nearest of a bounded set of
// stored, L2-normalized calibration features, i.e. 1 − the k-th nearest cosine distance. Higher = in-distribution.
// With layer 'previous' it reads the input of the linear layer before the penultimate features instead (for a
// CNN, the flattened last convolutional map): the paper reports kNN on the penultimate layer only, but the
// earlier layer keeps more of the input's appearance, which separates unseen classes of the same domain
// better on the small CNNs benchmarked here (docs/evaluate.md); Lee et al. (NeurIPS 2018) score several
// layers for the same reason. On that layer each feature first goes through the signed square root,
// sign(x)·√|x| (power normalization, Perronnin, Sánchez & Mensink, ECCV 2010): for the non-negative maps of a
// ReLU network the cosine of the rooted rows is then the Bhattacharyya coefficient of the L1-normalized maps
// (the Hellinger kernel of RootSIFT, Arandjelović & Zisserman, CVPR 2012), so a few large activations no
// longer decide the similarity alone. It raised both benchmarks on that layer and lowered digits on the
// penultimate one, where it is not applied (docs/evaluate.md, "The signed square root on the previous layer").
import { OodError } from '../../errors.js';
import { topKValues } from './safe-top-k.js';
import type { FeatureContext, FeatureFitOptions, FeatureMethod } from './feature-method.js';
import type { FeatureSample } from '../features/collect-features.js';
import { rowSquaredNorm } from './feature-method.js';

const DEFAULT_K = 10;
const DEFAULT_MAX_STORED = 1024;

/** Whether knn roots the features of `layer` before normalizing them (the previous layer only). */
export function rootsFeatures(layer: FeatureFitOptions['layer']): boolean {
  return layer === 'previous';
}

/** sign(x)·√|x|, the signed square root, in float32 as the graph computes it. */
function signedRoot(x: number): number {
  return Math.fround(Math.sign(x) * Math.fround(Math.sqrt(Math.abs(x))));
}

/**
 * In the graph: on the previous layer r = Sign(f)·Sqrt(Abs(f)), else r = f; f̂ = r / max(‖r‖, ε); s = f̂·Bᵀ with B the stored normalized features [K, dim] (stored as
 * Bᵀ, [dim, K]); TopK(s, k) along axis 1 (safe-top-k.ts, so an empty batch computes); score = its k-th value.
 */
export const knn: FeatureMethod = {
  name: 'knn',
  summary: 'cosine similarity to the k-th nearest stored calibration feature (normalized penultimate features)',
  fit(sample, options, context) {
    const { features, dim, tensor } = knnInput(sample, options.layer, context);
    const root = rootsFeatures(options.layer);
    const { count } = sample;
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
      const raw = features.subarray(row * dim, (row + 1) * dim);
      const values = root ? raw.map(signedRoot) : raw;
      let norm = 0;
      for (let j = 0; j < dim; j++) norm += values[j]! ** 2;
      const scale = 1 / Math.max(Math.sqrt(norm), 1e-12);
      for (let j = 0; j < dim; j++) bt[j * stored + s] = values[j]! * scale;
    }
    return {
      parameters: {
        k,
        stored,
        dim,
        samples: count,
        ...(tensor ? { layer: 'previous', layerFeatures: tensor } : {}),
        ...(root ? { transform: 'signed square root' } : {}),
      },
      build(b, penultimate, out) {
        const input = tensor ?? penultimate;
        const f = root ? b.binary('Mul', b.op('Sign', [input]), b.op('Sqrt', [b.op('Abs', [input])])) : input;
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

/** The rows knn fits on and the tensor it reads (undefined: the penultimate features enable passes in). */
function knnInput(
  sample: FeatureSample,
  layer: FeatureFitOptions['layer'],
  context: FeatureContext | undefined,
): { features: Float32Array; dim: number; tensor?: string } {
  if (layer !== 'previous') return { features: sample.features, dim: sample.dim };
  if (!context?.previousFeatures)
    throw new OodError(
      'FEATURES_NOT_FOUND',
      'knn --knn-layer previous reads the input of the linear layer before the penultimate features, and this model has none (a single linear layer, or --features given)',
      { hint: 'Drop --knn-layer (knn then reads the penultimate features), or drop --features.' },
    );
  if (!sample.previous) throw new Error('internal: knn on the previous layer was fitted without its features');
  return { features: sample.previous.features, dim: sample.previous.dim, tensor: context.previousFeatures };
}
