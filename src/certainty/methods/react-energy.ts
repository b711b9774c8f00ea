// ReAct (Sun, Guo & Li, "ReAct: Out-of-distribution Detection With Rectified Activations", NeurIPS 2021): clip
// the penultimate activations at a high percentile of their in-distribution values, recompute the logits with the
// model's own final layer, and take their energy, logsumexp(logits'). Higher means more in-distribution.
import { OodError } from '../../errors.js';
import type { FeatureMethod } from './feature-method.js';
import { appendHeadCopy } from './head-graph.js';

const DEFAULT_CLIP_PERCENTILE = 90;

/**
 * In the graph: Min(features, c) feeds a copy of the final layer's nodes (same op, attributes and weight tensors,
 * which are referenced, not copied), then ReduceLogSumExp over the classes (axes attribute before opset 18).
 */
export const reactEnergy: FeatureMethod = {
  name: 'react-energy',
  summary: 'energy of the logits recomputed from penultimate features clipped at their 90th ID percentile (ReAct)',
  fit(sample, options, context) {
    const head = context.head;
    if (!head) {
      throw new OodError(
        'REACT_NEEDS_HEAD',
        'react-energy recomputes the logits with the final Gemm/MatMul, which --features bypasses',
        {
          hint: 'Drop --features so that ood finds the input of the final linear layer, or use --method mahalanobis or knn.',
        },
      );
    }
    const p = options.clipPercentile ?? DEFAULT_CLIP_PERCENTILE;
    if (!(p > 0 && p <= 100))
      throw new OodError('REACT_BAD_PERCENTILE', `clip percentile must be in (0, 100], got ${p}`, {
        hint: 'Use e.g. 90.',
      });
    const sorted = Float32Array.from(sample.features).sort();
    const clip = sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
    return {
      parameters: { clipPercentile: p, clip, dim: sample.dim, samples: sample.count },
      build(b, features, out) {
        const clipped = b.binary('Min', features, b.floats('react_clip', [], [clip]));
        const x = appendHeadCopy(b, head, features, clipped);
        b.reduce('ReduceLogSumExp', x, [1], true, out);
      },
    };
  },
};
