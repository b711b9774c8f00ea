// The in-distribution data split that keeps calibration honest: rows that fit a method (class means, a
// covariance, a kNN bank) never calibrate it, since a fitted row scores like no new input does (a training
// sample is its own nearest neighbour). With `--method auto` a third part, validation, measures the candidates
// and the threshold. The split is stratified by the model's predicted class and seeded, so it is reproducible
// and recorded in the metadata (ood.split).

/** Fractions of the rows in each part; they sum to 1. */
export interface SplitFractions {
  fit: number;
  calibration: number;
  validation: number;
}

/** Fit and calibration only (a method without auto): 70/30. */
export const FIT_CALIBRATION: SplitFractions = { fit: 0.7, calibration: 0.3, validation: 0 };
/** With --method auto: 60/20/20. */
export const FIT_CALIBRATION_VALIDATION: SplitFractions = { fit: 0.6, calibration: 0.2, validation: 0.2 };
export const DEFAULT_SPLIT_SEED = 20261201;

/** Row indices of each part, ascending. */
export interface RowSplit {
  fit: Int32Array;
  calibration: Int32Array;
  validation: Int32Array;
}

/** What the metadata records about a split. */
export interface SplitRecord {
  seed: number;
  stratifiedBy: 'predicted class';
  fractions: SplitFractions;
  rows: { fit: number; calibration: number; validation: number };
}

/** mulberry32: a small, well-mixed 32-bit PRNG, so the split is the same on every platform. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Shuffle each predicted class's rows with the seeded generator and cut it by the fractions (rounded, with
 * every non-empty part of a class of 3 rows or more keeping at least one row), so each part sees every class in
 * about the same proportion.
 */
export function splitRows(labels: Int32Array, fractions: SplitFractions, seed = DEFAULT_SPLIT_SEED): RowSplit {
  const random = seededRandom(seed);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const rows = byClass.get(labels[i]!) ?? [];
    rows.push(i);
    byClass.set(labels[i]!, rows);
  }
  const parts: Record<keyof RowSplit, number[]> = { fit: [], calibration: [], validation: [] };
  for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
    const rows = byClass.get(c)!;
    for (let i = rows.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [rows[i], rows[j]] = [rows[j]!, rows[i]!];
    }
    const n = rows.length;
    let validation = Math.round(n * fractions.validation);
    let calibration = Math.round(n * fractions.calibration);
    if (n >= 3 && fractions.validation > 0) validation = Math.max(1, validation);
    if (n >= 3 && fractions.calibration > 0) calibration = Math.max(1, calibration);
    calibration = Math.min(calibration, n - validation);
    parts.validation.push(...rows.slice(0, validation));
    parts.calibration.push(...rows.slice(validation, validation + calibration));
    parts.fit.push(...rows.slice(validation + calibration));
  }
  const sorted = (xs: number[]) => Int32Array.from(xs).sort();
  return { fit: sorted(parts.fit), calibration: sorted(parts.calibration), validation: sorted(parts.validation) };
}

/** The record of a split for ood.split. */
export function splitRecord(split: RowSplit, fractions: SplitFractions, seed: number): SplitRecord {
  return {
    seed,
    stratifiedBy: 'predicted class',
    fractions,
    rows: { fit: split.fit.length, calibration: split.calibration.length, validation: split.validation.length },
  };
}
