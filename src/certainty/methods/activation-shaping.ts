// What SCALE (scale.ts) and ASH (ash.ts) share: the per-row top of the penultimate activations and the scale
// factor exp(s1 / s2), where s1 is a row's activation sum and s2 the sum of its k largest activations,
// k = n − round(n · p / 100) as in both papers' reference code. Then the model's own final layer (a copy that
// shares its weights, head-graph.ts) recomputes the logits from the shaped activations and the score is their
// energy, logsumexp. The shaped activations feed only that copy, never the original outputs.
import { OodError } from '../../errors.js';
import type { OpBuilder } from '../../onnx/op-builder.js';
import { topKValues } from './safe-top-k.js';

/** How many activations per row count as the top at percentile `p` of `dim`. */
export function topCount(dim: number, p: number): number {
  if (!(p > 0 && p < 100))
    throw new OodError('SHAPE_BAD_PERCENTILE', `the shaping percentile must be in (0, 100), got ${p}`, {
      hint: 'Use e.g. --shape-percentile 85.',
    });
  return Math.max(1, dim - Math.round((dim * p) / 100));
}

/** Row sums as [batch, 1], with MatMul against ones (ReduceSum's axes moved to an input at opset 13). */
export function rowSum(b: OpBuilder, x: string, width: number): string {
  return b.binary('MatMul', x, b.floats('ones', [width, 1], new Float32Array(width).fill(1)));
}

/** The k largest activations per row [batch, k], and exp(s1 / max(s2, ε)) as [batch, 1]. */
export function topAndScale(b: OpBuilder, f: string, dim: number, k: number): { top: string; scale: string } {
  const top = topKValues(b, f, dim, k);
  const s2 = b.binary('Max', rowSum(b, top, k), b.floats('shape_floor', [], [1e-12]));
  return { top, scale: b.op('Exp', [b.binary('Div', rowSum(b, f, dim), s2)]) };
}
