// Maximum softmax probability (Hendrycks & Gimpel, "A Baseline for Detecting Misclassified and
// Out-of-Distribution Examples", ICLR 2017): max_k softmax(logits / T)_k, in (1/classes, 1].
import type { ScoreMethod } from './method.js';
import { scaleByTemperature } from './method.js';

/** max(softmax(logits/T)) along the class axis. */
export const msp: ScoreMethod = {
  name: 'msp',
  summary: 'max softmax(logits / T), the classifier confidence',
  usesTemperature: true,
  build(b, logits, temperature, out) {
    const probs = b.softmaxRows(scaleByTemperature(b, logits, temperature));
    b.reduce('ReduceMax', probs, [1], true, out);
  },
};
