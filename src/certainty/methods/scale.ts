// SCALE (Xu, Lian, Zhang & Wang, "Scaling for Training Time and Post-hoc Out-of-distribution Detection
// Enhancement", ICLR 2024): multiply every penultimate activation of a row by exp(s1 / s2), where s1 is the row's
// activation sum and s2 the sum of its activations above the row's p-th percentile, then take the energy of the
// logits the model's final layer computes from them. Unlike ASH nothing is pruned, so the shaped copy keeps the
// model's predictions. Expects non-negative (post-ReLU) activations. Higher means more in-distribution.
import type { FeatureMethod } from './feature-method.js';
import { requireHead } from './feature-method.js';
import { appendHeadCopy } from './head-graph.js';
import { topAndScale, topCount } from './activation-shaping.js';

export const SCALE_DEFAULT_PERCENTILE = 85;

/** In the graph: Concat/TopK/Slice (safe-top-k.ts), MatMul, Max, Div, Exp, Mul, the head copy, ReduceLogSumExp. */
export const scale: FeatureMethod = {
  name: 'scale',
  summary: 'energy of the logits from activations scaled by exp(sum / top-15% sum) per row (SCALE)',
  paper: 'Xu et al., ICLR 2024',
  fit(sample, options, context) {
    const head = requireHead('scale', context);
    const p = options.shapePercentile ?? SCALE_DEFAULT_PERCENTILE;
    const k = topCount(sample.dim, p);
    return {
      parameters: { percentile: p, top: k, dim: sample.dim, samples: sample.count },
      build(b, features, out) {
        const { scale: r } = topAndScale(b, features, sample.dim, k);
        const logits = appendHeadCopy(b, head, features, b.binary('Mul', features, r));
        b.reduce('ReduceLogSumExp', logits, [1], true, out);
      },
    };
  },
};
