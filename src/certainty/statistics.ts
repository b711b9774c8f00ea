// Summary statistics of raw calibration scores. Quantiles use linear interpolation between order statistics
// (Hyndman & Fan type 7, numpy's default), so level 0 is the minimum and level 1 the maximum.

/** Moments and extremes of a score sample. */
export interface ScoreSummary {
  samples: number;
  mean: number;
  std: number;
  min: number;
  max: number;
}

/** Scores sorted ascending, as a new array. */
export function sortScores(scores: ArrayLike<number>): Float64Array {
  return Float64Array.from(scores).sort();
}

/** The type-7 quantile of sorted scores at `level` in [0, 1]. */
export function quantile(sorted: Float64Array, level: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * Math.min(1, Math.max(0, level));
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Count, mean, population standard deviation, min and max of sorted scores. */
export function summarize(sorted: Float64Array): ScoreSummary {
  const n = sorted.length;
  let sum = 0;
  for (const s of sorted) sum += s;
  const mean = sum / n;
  let sq = 0;
  for (const s of sorted) sq += (s - mean) ** 2;
  return { samples: n, mean, std: Math.sqrt(sq / n), min: sorted[0]!, max: sorted[n - 1]! };
}

/** A number as the float32 the graph will hold, printed with 9 significant digits (round-trips float32). */
export function toFloat32Record(value: number): number {
  return Number(Math.fround(value).toPrecision(9));
}
