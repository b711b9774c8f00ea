// fDBD, fast decision-boundary-based detection (Liu & Qin, "Fast Decision Boundary based Out-of-Distribution
// Detector", ICML 2024): the mean distance, in feature space, from a sample's features z to the decision
// boundaries between its predicted class ĉ and every other class c, divided by z's distance to the mean of the
// in-distribution features:
//   score = (1 / (C − 1)) Σ_{c≠ĉ} (l_ĉ − l_c) / ‖w_ĉ − w_c‖  /  ‖z − μ‖,
// since (l_ĉ − l_c) / ‖w_ĉ − w_c‖ is the distance from z to the hyperplane where both logits are equal.
// In-distribution samples sit far from the boundaries relative to their spread. Higher means in-distribution.
import type { FeatureMethod } from './feature-method.js';
import { featureMean, requireLinearHead, rowSquaredNorm } from './feature-method.js';
import { rowSum } from './activation-shaping.js';

/**
 * In the graph: m = ReduceMax(logits); one-hot of the argmax = Cast(Equal(logits, m)) (ties share the rows);
 * the inverse boundary norms of the predicted class = one-hot · N⁻¹ ([C, C], 0 on the diagonal), divided by the
 * number of tied maxima; Σ_c (m − l_c)·N⁻¹[ĉ, c] by MatMul with ones; then Div by max(‖z − μ‖, ε).
 */
export const fdbd: FeatureMethod = {
  name: 'fdbd',
  summary: 'mean distance to the decision boundaries over the distance to the feature mean (fDBD)',
  paper: 'Liu & Qin, ICML 2024',
  needsLinearHead: true,
  fit(sample, _options, context) {
    const head = requireLinearHead('fdbd', context);
    const { dim, count } = sample;
    const classes = head.classes;
    const mean = featureMean(sample.features, dim, count);
    const inverseNorms = new Float32Array(classes * classes);
    for (let a = 0; a < classes; a++) {
      for (let c = 0; c < classes; c++) {
        if (a === c) continue;
        let sq = 0;
        for (let j = 0; j < dim; j++) sq += (head.weight[a * dim + j]! - head.weight[c * dim + j]!) ** 2;
        // Two identical weight rows have no boundary between them; they add nothing to the sum.
        inverseNorms[a * classes + c] = sq > 0 ? 1 / Math.sqrt(sq) / (classes - 1) : 0;
      }
    }
    return {
      parameters: { classes, dim, samples: count },
      build(b, f, out, logits) {
        const top = b.reduce('ReduceMax', logits, [1], true);
        const gaps = b.binary('Sub', top, logits);
        const oneHot = b.cast(b.op('Equal', [logits, top]), 1);
        const ties = rowSum(b, oneHot, classes);
        const weights = b.binary(
          'Div',
          b.binary('MatMul', oneHot, b.floats('fdbd_inverse_norms', [classes, classes], inverseNorms)),
          ties,
        );
        const boundary = rowSum(b, b.binary('Mul', gaps, weights), classes);
        const spread = b.op('Sqrt', [
          rowSquaredNorm(b, b.binary('Sub', f, b.floats('fdbd_mean', [1, dim], mean)), dim),
        ]);
        b.binary('Div', boundary, b.binary('Max', spread, b.floats('fdbd_floor', [], [1e-12])), out);
      },
    };
  },
};
