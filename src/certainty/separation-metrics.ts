// Separation metrics for a certainty score. Convention throughout: in-distribution (ID) samples are the
// positives, and a higher score means "more in-distribution". A threshold t accepts a sample when score >= t.
// Definitions (docs/evaluate.md, "Metrics") follow the Mann-Whitney form of AUROC and scikit-learn's
// average_precision_score for AUPR, so results can be cross-checked against either.
import { OodError } from '../errors.js';

/** One operating point of the ROC curve: accept every sample scoring >= threshold. */
export interface RocPoint {
  threshold: number;
  fpr: number;
  tpr: number;
}

/** Every figure `ood evaluate` reports for one OOD set against the ID set. */
export interface SeparationMetrics {
  /** P(score_id > score_ood) + ½·P(score_id = score_ood): the area under the ROC curve, ties as diagonals. */
  auroc: number;
  /** Fraction of OOD samples accepted at the highest threshold that accepts at least 95% of ID samples. */
  fprAt95Tpr: number;
  /** The threshold that FPR@95%TPR was measured at. */
  thresholdAt95Tpr: number;
  /** Average precision with ID as the positive class. */
  auprIn: number;
  /** Average precision with OOD as the positive class (scores negated). */
  auprOut: number;
}

function assertScores(id: ArrayLike<number>, ood: ArrayLike<number>): void {
  if (id.length === 0 || ood.length === 0) {
    throw new OodError(
      'EVALUATE_EMPTY_SET',
      `cannot compute separation metrics: the ${id.length === 0 ? 'in' : 'out-of'}-distribution set is empty`,
      {
        hint: 'Pass data sets with at least one sample each.',
      },
    );
  }
  for (const s of [id, ood]) {
    for (let i = 0; i < s.length; i++) {
      if (!Number.isFinite(s[i])) {
        throw new OodError(
          'EVALUATE_NON_FINITE_SCORE',
          `score ${i} of the ${s === id ? 'in' : 'out-of'}-distribution set is ${s[i]}`,
          {
            hint: 'The model produced NaN or infinite certainty scores; check its inputs and its certainty branch.',
          },
        );
      }
    }
  }
}

/** Distinct score values in descending order with the count of ID and OOD samples at each value. */
function tieGroups(id: ArrayLike<number>, ood: ArrayLike<number>): { value: number; pos: number; neg: number }[] {
  const tagged: [number, boolean][] = [];
  for (let i = 0; i < id.length; i++) tagged.push([id[i]!, true]);
  for (let i = 0; i < ood.length; i++) tagged.push([ood[i]!, false]);
  tagged.sort((a, b) => b[0] - a[0]);
  const groups: { value: number; pos: number; neg: number }[] = [];
  for (const [value, isId] of tagged) {
    let g = groups[groups.length - 1];
    if (!g || g.value !== value) groups.push((g = { value, pos: 0, neg: 0 }));
    if (isId) g.pos++;
    else g.neg++;
  }
  return groups;
}

/**
 * The ROC curve: one point per distinct score, from (0, 0) at threshold +Infinity to (1, 1). Tied ID and
 * OOD samples enter together, so a tie is a diagonal segment.
 */
export function rocCurve(id: ArrayLike<number>, ood: ArrayLike<number>): RocPoint[] {
  assertScores(id, ood);
  const points: RocPoint[] = [{ threshold: Infinity, fpr: 0, tpr: 0 }];
  let tp = 0;
  let fp = 0;
  for (const g of tieGroups(id, ood)) {
    tp += g.pos;
    fp += g.neg;
    points.push({ threshold: g.value, fpr: fp / ood.length, tpr: tp / id.length });
  }
  return points;
}

/** Area under the ROC curve by the trapezoid rule, which equals the Mann-Whitney U statistic / (n_id·n_ood). */
export function auroc(id: ArrayLike<number>, ood: ArrayLike<number>): number {
  const points = rocCurve(id, ood);
  let area = 0;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    area += ((b.fpr - a.fpr) * (a.tpr + b.tpr)) / 2;
  }
  return area;
}

/**
 * FPR at 95% TPR, without interpolation: t is the ceil(0.95·n_id)-th highest ID score (the highest threshold
 * that accepts at least 95% of ID samples); the result is the fraction of OOD samples scoring >= t.
 */
export function fprAtTpr(
  id: ArrayLike<number>,
  ood: ArrayLike<number>,
  tpr = 0.95,
): { fpr: number; threshold: number } {
  assertScores(id, ood);
  const sorted = Float64Array.from(id).sort().reverse();
  const k = Math.max(1, Math.ceil(tpr * sorted.length - 1e-9));
  const threshold = sorted[k - 1]!;
  let accepted = 0;
  for (let i = 0; i < ood.length; i++) if (ood[i]! >= threshold) accepted++;
  return { fpr: accepted / ood.length, threshold };
}

/**
 * Average precision, positives scoring higher: Σ_k (R_k − R_{k−1})·P_k over distinct thresholds in
 * descending order (scikit-learn's average_precision_score; no interpolation).
 */
export function averagePrecision(positives: ArrayLike<number>, negatives: ArrayLike<number>): number {
  assertScores(positives, negatives);
  let tp = 0;
  let fp = 0;
  let ap = 0;
  for (const g of tieGroups(positives, negatives)) {
    tp += g.pos;
    fp += g.neg;
    if (g.pos > 0) ap += (g.pos / positives.length) * (tp / (tp + fp));
  }
  return ap;
}

/** All separation metrics of one OOD set against the ID set. */
export function separationMetrics(id: ArrayLike<number>, ood: ArrayLike<number>): SeparationMetrics {
  const at95 = fprAtTpr(id, ood, 0.95);
  const negate = (s: ArrayLike<number>) => Float64Array.from(s, (v) => -v);
  return {
    auroc: auroc(id, ood),
    fprAt95Tpr: at95.fpr,
    thresholdAt95Tpr: at95.threshold,
    auprIn: averagePrecision(id, ood),
    auprOut: averagePrecision(negate(ood), negate(id)),
  };
}

/** Counts of scores in `bins` equal-width bins over [lo, hi] (values outside are clamped into the end bins). */
export function histogram(scores: ArrayLike<number>, lo: number, hi: number, bins: number): number[] {
  const counts = new Array<number>(bins).fill(0);
  const width = hi > lo ? (hi - lo) / bins : 1;
  for (let i = 0; i < scores.length; i++) {
    const b = Math.floor((scores[i]! - lo) / width);
    counts[Math.min(bins - 1, Math.max(0, b))]!++;
  }
  return counts;
}
