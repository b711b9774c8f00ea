// GEN, the generalized entropy score (Liu, Lochman & Zach, "GEN: Pushing the Limits of Softmax-Based
// Out-of-Distribution Detection", CVPR 2023): with p the softmax of the logits and p_(1) ≥ … ≥ p_(M) its M largest
// entries, score = −Σ_{j≤M} p_(j)^γ (1 − p_(j))^γ. Confident (peaked) rows have a small generalized entropy, so
// the negated sum is higher for in-distribution inputs. Logits only; no fit.
import type { ScoreMethod } from './method.js';
import { topKValues } from './safe-top-k.js';

/** The paper's defaults: γ = 0.1 and M = 100 (M is capped at the number of classes). */
export const GEN_DEFAULT_GAMMA = 0.1;
export const GEN_DEFAULT_TOP = 100;

/** GEN with exponent `gamma` over the `top` largest probabilities. */
export function genMethod(gamma = GEN_DEFAULT_GAMMA, top = GEN_DEFAULT_TOP): ScoreMethod {
  return {
    name: 'gen',
    summary: 'negative generalized entropy −Σ p^γ(1−p)^γ of the top softmax probabilities (GEN, γ = 0.1)',
    usesTemperature: false,
    parameters: { gamma, top },
    build(b, logits, _temperature, out, classes) {
      const probs = b.softmaxRows(logits);
      const m = Math.min(top, classes ?? top);
      // All classes (the usual case below 100 classes) need no TopK; the sum does not depend on the order.
      const kept = classes !== undefined && m < classes ? topKValues(b, probs, classes, m) : probs;
      const exponent = b.floats('gen_gamma', [], [gamma]);
      const complement = b.binary('Sub', b.floats('one', [], [1]), kept);
      const terms = b.binary('Mul', b.binary('Pow', kept, exponent), b.binary('Pow', complement, exponent));
      b.op('Neg', [b.reduce('ReduceSum', terms, [1], true)], undefined, out);
    },
  };
}

export const gen: ScoreMethod = genMethod();
