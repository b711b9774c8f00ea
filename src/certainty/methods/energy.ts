// Energy score (Liu et al., "Energy-based Out-of-distribution Detection", NeurIPS 2020), in the seed library's
// sign convention: T · logsumexp(logits / T). It is the negative free energy, so higher means in-distribution.
import type { ScoreMethod } from './method.js';
import { scaleByTemperature } from './method.js';

/** T·logsumexp(logits/T) with ReduceLogSumExp (axes attribute before opset 18, input from 18). */
export const energy: ScoreMethod = {
  name: 'energy',
  summary: 'T * logsumexp(logits / T), the negative free energy (default)',
  usesTemperature: true,
  build(b, logits, temperature, out) {
    const scaled = scaleByTemperature(b, logits, temperature);
    if (temperature === 1) {
      b.reduce('ReduceLogSumExp', scaled, [1], true, out);
      return;
    }
    const lse = b.reduce('ReduceLogSumExp', scaled, [1], true);
    b.binary('Mul', lse, b.floats('temperature', [], [temperature]), out);
  },
};
