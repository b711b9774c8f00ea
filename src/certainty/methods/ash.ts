// ASH-S, activation shaping with scaling (Djurisic, Bozanic, Ashok & Liu, "Extremely Simple Activation Shaping
// for Out-of-Distribution Detection", ICLR 2023): per row, zero every penultimate activation below the row's
// p-th percentile, multiply the rest by exp(s1 / s2) (s1 the row's sum before, s2 after pruning), and take the
// energy of the logits the model's final layer computes from them. Expects non-negative (post-ReLU) activations.
// Higher means more in-distribution.
import type { FeatureMethod } from './feature-method.js';
import { requireHead } from './feature-method.js';
import { appendHeadCopy } from './head-graph.js';
import { topAndScale, topCount } from './activation-shaping.js';

export const ASH_DEFAULT_PERCENTILE = 90;

/**
 * In the graph: the k-th largest activation t of each row (Gather of the safe TopK), mask = Not(Less(f, t))
 * cast to float (GreaterOrEqual needs opset 12), f' = f · mask · exp(s1 / s2), the head copy, ReduceLogSumExp.
 */
export const ash: FeatureMethod = {
  name: 'ash',
  summary: 'energy of the logits from activations pruned to the top 10% per row and rescaled (ASH-S)',
  paper: 'Djurisic et al., ICLR 2023',
  fit(sample, options, context) {
    const head = requireHead('ash', context);
    const p = options.shapePercentile ?? ASH_DEFAULT_PERCENTILE;
    const k = topCount(sample.dim, p);
    return {
      parameters: { percentile: p, top: k, dim: sample.dim, samples: sample.count },
      build(b, features, out) {
        const { top, scale: r } = topAndScale(b, features, sample.dim, k);
        const threshold = b.op('Gather', [top, b.ints('ash_kth', [1], [k - 1])], { axis: { int: 1 } });
        const kept = b.cast(b.op('Not', [b.op('Less', [features, threshold])]), 1);
        const shaped = b.binary('Mul', b.binary('Mul', features, kept), r);
        const logits = appendHeadCopy(b, head, features, shaped);
        b.reduce('ReduceLogSumExp', logits, [1], true, out);
      },
    };
  },
};
