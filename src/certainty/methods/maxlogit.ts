// Maximum logit (Hendrycks et al., "Scaling Out-of-Distribution Detection for Real-World Settings", ICML 2022):
// max_k logits_k. Dividing by a temperature would only rescale it, so the method takes none.
import type { ScoreMethod } from './method.js';

/** max(logits) along the class axis. */
export const maxlogit: ScoreMethod = {
  name: 'maxlogit',
  summary: 'max logit, the largest unnormalized class score',
  usesTemperature: false,
  build(b, logits, _temperature, out) {
    b.reduce('ReduceMax', logits, [1], true, out);
  },
};
