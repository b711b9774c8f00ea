// The default normalization: the interpolated empirical CDF of the in-distribution raw scores. A raw score x
// maps to the fraction of calibration samples that score lower, linearly interpolated between quantile knots,
// so a threshold t on the normalized score rejects about a fraction t of in-distribution inputs.
import type { OpBuilder } from '../onnx/op-builder.js';
import { quantile, toFloat32Record } from './statistics.js';

/** Piecewise-linear knots: increasing raw scores `x` and their levels `y` in [0, 1]. */
export interface CdfKnots {
  x: number[];
  y: number[];
}

/** Default number of quantile levels (0, 0.01, ..., 1). */
export const CDF_LEVELS = 101;

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;

/** A width that float32 can resolve around `q`. */
const epsilonAt = (q: number) => Math.max(Math.abs(q), 1) * 1e-5;

/**
 * Knots from sorted scores: `levels` evenly spaced quantiles (fewer when there are fewer samples), with tied
 * quantiles merged into one knot at their middle level. A tie at either end gets a knot just outside it, so
 * that scores below every calibration sample map to 0 and scores above every one map to 1.
 */
export function cdfKnots(sorted: Float64Array, levels = CDF_LEVELS): CdfKnots {
  const k = Math.max(2, Math.min(levels, sorted.length));
  const groups: { q: number; lo: number; hi: number }[] = [];
  for (let i = 0; i < k; i++) {
    const level = i / (k - 1);
    const q = toFloat32Record(quantile(sorted, level));
    const last = groups[groups.length - 1];
    if (last && last.q === q) last.hi = level;
    else groups.push({ q, lo: level, hi: level });
  }
  const x = groups.map((g) => g.q);
  const y = groups.map((g) => round6((g.lo + g.hi) / 2));
  if (y[0]! > 0) {
    x.unshift(toFloat32Record(x[0]! - epsilonAt(x[0]!)));
    y.unshift(0);
  }
  if (y[y.length - 1]! < 1) {
    x.push(toFloat32Record(x[x.length - 1]! + epsilonAt(x[x.length - 1]!)));
    y.push(1);
  }
  return { x, y };
}

/**
 * Append y = clip(y0 + sum_i s_i * min(max(x - x_i, 0), w_i), 0, 1), the piecewise-linear map through the knots,
 * with Sub, Max, Min, MatMul, Add and Clip (all in the default domain at every opset from 11 on).
 */
export function buildCdfMap(b: OpBuilder, raw: string, knots: CdfKnots, out: string): void {
  const segments = knots.x.length - 1;
  const starts = Float32Array.from(knots.x.slice(0, segments));
  const widths = new Float32Array(segments);
  const slopes = new Float32Array(segments);
  for (let i = 0; i < segments; i++) {
    widths[i] = Math.fround(knots.x[i + 1]!) - starts[i]!;
    slopes[i] = (knots.y[i + 1]! - knots.y[i]!) / widths[i]!;
  }
  const shifted = b.binary('Sub', raw, b.floats('cdf_knots', [1, segments], starts));
  const positive = b.binary('Max', shifted, b.floats('zero', [], [0]));
  const within = b.binary('Min', positive, b.floats('cdf_widths', [1, segments], widths));
  const rise = b.binary('MatMul', within, b.floats('cdf_slopes', [segments, 1], slopes));
  const level = b.binary('Add', rise, b.floats('cdf_start', [], [knots.y[0]!]));
  b.clip(level, 0, 1, out);
}
