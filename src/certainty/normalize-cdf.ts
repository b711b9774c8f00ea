// The default normalization: the interpolated empirical CDF of the in-distribution raw scores, with hyperbolic
// tails outside the calibration range so that the map stays strictly increasing everywhere (docs/enable.md,
// "Normalization"). Knots sit at Weibull plotting positions: the k-th of n sorted samples (1-based) has level
// k / (n + 1), so a new in-distribution input scores below it with probability k / (n + 1), a threshold t on the
// normalized score rejects about a fraction t of in-distribution inputs, and the median maps to 0.5. Below the
// first knot (x_0, l_0) the map is l_0 · s / (s + x_0 − x); above the last (x_K, l_K) it is
// 1 − (1 − l_K) · s / (s + x − x_K); s is a robust spread of the calibration scores. The tails decay like 1/d,
// not exponentially: softmax scores of OOD inputs can lie hundreds of spreads below the calibration range, where
// an exponential tail underflows float32 and ties them all at 0 again.
import type { OpBuilder } from '../onnx/op-builder.js';
import { quantile, summarize, toFloat32Record } from './statistics.js';

/** Piecewise-linear knots: increasing raw scores `x`, their levels `y` in (0, 1), and the tails' scale. */
export interface CdfKnots {
  x: number[];
  y: number[];
  /** s > 0: raw-score distance beyond an end knot at which its tail has halved the gap to 0 (below) or 1 (above). */
  spread: number;
}

/** Default number of quantile knots (at type-7 levels 0, 0.01, ..., 1). */
export const CDF_LEVELS = 101;

/** IQR / 1.349 is the standard deviation for a normal distribution. */
const IQR_TO_SIGMA = 1.349;

/** A level with 9 significant digits: enough for float32 and for levels near 0 with millions of samples. */
const level9 = (v: number) => Number(v.toPrecision(9));

/**
 * The tails' scale: IQR / 1.349, or the standard deviation when the IQR is below the floor (more than half of
 * the scores tie), or the floor itself. The floor, 1e-4 · max(1, |min|, |max|), keeps s a thousand float32 steps
 * of the scores wide.
 */
export function tailSpread(sorted: Float64Array): number {
  const floor = 1e-4 * Math.max(1, Math.abs(sorted[0]!), Math.abs(sorted[sorted.length - 1]!));
  const iqr = (quantile(sorted, 0.75) - quantile(sorted, 0.25)) / IQR_TO_SIGMA;
  const std = summarize(sorted).std;
  const s = [iqr, std].find((v) => Number.isFinite(v) && v >= floor) ?? floor;
  return toFloat32Record(s);
}

/**
 * Knots from sorted scores: `levels` type-7 quantiles at p = i / (levels − 1) (every sample when there are
 * fewer), each at the plotting position of its fractional rank, ((n − 1) p + 1) / (n + 1). Tied quantiles merge
 * into one knot at the middle of their levels.
 */
export function cdfKnots(sorted: Float64Array, levels = CDF_LEVELS): CdfKnots {
  const n = sorted.length;
  const k = Math.max(2, Math.min(levels, n));
  const groups: { q: number; lo: number; hi: number }[] = [];
  for (let i = 0; i < k; i++) {
    const p = i / (k - 1);
    const level = ((n - 1) * p + 1) / (n + 1);
    const q = toFloat32Record(quantile(sorted, p));
    const last = groups[groups.length - 1];
    if (last && last.q === q) last.hi = level;
    else groups.push({ q, lo: level, hi: level });
  }
  return { x: groups.map((g) => g.q), y: groups.map((g) => level9((g.lo + g.hi) / 2)), spread: tailSpread(sorted) };
}

/**
 * Append y = clip(rise(x) + low(x) + high(x), 0, 1), where, with d_lo = max(x_0 − x, 0), d_hi = max(x − x_K, 0):
 *   rise(x) = Σ_i r_i · min(max(x − x_i, 0), w_i)     the piecewise-linear part: 0 below x_0 (MatMul);
 *   low(x)  = l_0 · s / (s + d_lo)                      l_0 at and above x_0, the lower tail below;
 *   high(x) = (1 − l_K) · (1 − s / (s + d_hi))          exactly 0 at and below x_K, the upper tail above.
 * Below x_0 rise and high are exactly 0, so y = l_0 s / (s + d_lo) keeps float32's relative precision; it
 * reaches 0 only at x = −inf. Sub, Max, Min, Add, Div, Mul, MatMul and Clip are default-domain ops at every
 * opset from 11 (Clip with min/max inputs since 11; later versions only add types).
 */
export function buildCdfMap(b: OpBuilder, raw: string, knots: CdfKnots, out: string): void {
  const last = knots.x.length - 1;
  const zero = b.floats('zero', [], [0]);
  const spread = b.floats('cdf_spread', [], [knots.spread]);
  const belowFirst = b.binary('Max', b.binary('Sub', b.floats('cdf_first', [], [knots.x[0]!]), raw), zero);
  const low = b.binary(
    'Div',
    b.floats('cdf_low_area', [], [knots.y[0]! * knots.spread]),
    b.binary('Add', belowFirst, spread),
  );
  const aboveLast = b.binary('Max', b.binary('Sub', raw, b.floats('cdf_last', [], [knots.x[last]!])), zero);
  const remaining = b.binary('Div', spread, b.binary('Add', aboveLast, spread));
  const climbed = b.binary('Sub', b.floats('one', [], [1]), remaining);
  const high = b.binary('Mul', climbed, b.floats('cdf_high_gap', [], [1 - knots.y[last]!]));
  const tails = last === 0 ? low : b.binary('Add', buildRise(b, raw, knots, zero), low);
  b.clip(b.binary('Add', tails, high), 0, 1, out);
}

/** Σ_i r_i · min(max(x − x_i, 0), w_i) with r_i the slope of segment i: 0 at x_0, l_K − l_0 at x_K. */
function buildRise(b: OpBuilder, raw: string, knots: CdfKnots, zero: string): string {
  const segments = knots.x.length - 1;
  const starts = Float32Array.from(knots.x.slice(0, segments));
  const widths = new Float32Array(segments);
  const slopes = new Float32Array(segments);
  for (let i = 0; i < segments; i++) {
    widths[i] = Math.fround(knots.x[i + 1]!) - starts[i]!;
    slopes[i] = (knots.y[i + 1]! - knots.y[i]!) / widths[i]!;
  }
  const shifted = b.binary('Sub', raw, b.floats('cdf_knots', [1, segments], starts));
  const within = b.binary('Min', b.binary('Max', shifted, zero), b.floats('cdf_widths', [1, segments], widths));
  return b.binary('MatMul', within, b.floats('cdf_slopes', [segments, 1], slopes));
}
