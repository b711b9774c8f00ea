// The seed library's normalization, made sound for scores of any sign. The seed divides the raw score by the
// p-th percentile of in-distribution scores and clamps to [0, 1]: y = clamp(x / q_p). That needs a zero point
// below every in-distribution score, which 0 is only when every score is positive. Here:
//   y = clamp((x - z) / (q_p - z), 0, 1), with
//   z = 0 when the lowest calibration score q_min > 0 (exactly the seed rule), else
//   z = 2 q_min - q_p, which maps the lowest in-distribution score to 0.5, as the seed maps a score of q_p / 2.
// Scores at or above q_p map to 1; z and below map to 0. If q_p - z is 0 (more than p% of scores tie at the
// minimum), z = q_p - max(|q_p|, 1).
import type { OpBuilder } from '../onnx/op-builder.js';
import { quantile, toFloat32Record } from './statistics.js';

/** The two numbers of the percentile map. */
export interface PercentileMap {
  percentile: number;
  /** q_p: raw scores at or above it map to 1. */
  anchor: number;
  /** z: raw scores at or below it map to 0. */
  zero: number;
}

/** Compute the map for percentile `p` (0 < p <= 100) from sorted scores. */
export function percentileMap(sorted: Float64Array, p: number): PercentileMap {
  const anchor = quantile(sorted, p / 100);
  const qmin = sorted[0]!;
  let zero = qmin > 0 ? 0 : 2 * qmin - anchor;
  if (!(Math.fround(anchor) - Math.fround(zero) > 0)) zero = anchor - Math.max(Math.abs(anchor), 1);
  return { percentile: p, anchor: toFloat32Record(anchor), zero: toFloat32Record(zero) };
}

/** Append y = clip((x - z) / (q_p - z), 0, 1). */
export function buildPercentileMap(b: OpBuilder, raw: string, map: PercentileMap, out: string): void {
  const shifted = b.binary('Sub', raw, b.floats('pct_zero', [], [map.zero]));
  const scaled = b.binary('Div', shifted, b.floats('pct_scale', [], [map.anchor - map.zero]));
  b.clip(scaled, 0, 1, out);
}
