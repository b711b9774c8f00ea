// The separation metrics, checked against small cases worked out by hand (including ties) and against
// scikit-learn (Debian's python3-sklearn) on larger random data with many ties.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import {
  auroc,
  averagePrecision,
  fprAtTpr,
  histogram,
  rocCurve,
  separationMetrics,
} from '../../src/evaluate/metrics.js';

describe('separation metrics on hand-computed cases', () => {
  // ID (positive) = [0.9, 0.8, 0.7, 0.6], OOD = [0.75, 0.5, 0.4].
  // Pairs with id > ood: 3 + 3 + 2 + 2 = 10 of 12.
  // Descending: .9P .8P .75N .7P .6P .5N .4N → AP-in = ¼(1/1 + 2/2 + 3/4 + 4/5) = 0.8875.
  // Negated, OOD first: .4 .5 (OOD) .6 .7 (ID) .75 (OOD) → AP-out = ⅓(1 + 1 + 3/5) = 0.8666….
  const id = [0.9, 0.8, 0.7, 0.6];
  const ood = [0.75, 0.5, 0.4];

  it('computes AUROC as the fraction of ID/OOD pairs ordered correctly', () => {
    expect(auroc(id, ood)).toBeCloseTo(10 / 12, 12);
  });

  it('computes FPR at 95% TPR at the lowest ID score needed to keep 95% of ID samples', () => {
    // ceil(0.95·4) = 4 → threshold is the 4th highest ID score, 0.6; only 0.75 of the OOD scores is ≥ 0.6.
    expect(fprAtTpr(id, ood)).toEqual({ fpr: 1 / 3, threshold: 0.6 });
  });

  it('computes AUPR with ID positive and with OOD positive', () => {
    const m = separationMetrics(id, ood);
    expect(m.auprIn).toBeCloseTo(0.8875, 12);
    expect(m.auprOut).toBeCloseTo(13 / 15, 12);
  });

  it('counts a tie between an ID and an OOD score as half a correct pair', () => {
    // ID = [1, 1, 0], OOD = [1, 0, 0]: each ID 1 scores 0.5 + 1 + 1, the ID 0 scores 0 + 0.5 + 0.5 → 6/9.
    expect(auroc([1, 1, 0], [1, 0, 0])).toBeCloseTo(6 / 9, 12);
    expect(auroc([3, 3, 3], [3, 3])).toBe(0.5);
  });

  it('enters tied samples together in the ROC curve and in AUPR', () => {
    expect(rocCurve([1, 1, 0], [1, 0, 0]).map((p) => [p.fpr, p.tpr])).toEqual([
      [0, 0],
      [1 / 3, 2 / 3],
      [1, 1],
    ]);
    // Group 1: 2 ID + 1 OOD → P = 2/3 over ΔR = 2/3; group 0: 1 ID + 2 OOD → P = 3/6 over ΔR = 1/3 → 11/18.
    const m = separationMetrics([1, 1, 0], [1, 0, 0]);
    expect(m.auprIn).toBeCloseTo(11 / 18, 12);
    expect(m.auprOut).toBeCloseTo(11 / 18, 12);
    // ceil(0.95·3) = 3 → threshold 0 accepts every OOD sample.
    expect(m.fprAt95Tpr).toBe(1);
  });

  it('includes OOD samples tied with the 95% threshold as accepted', () => {
    const id20 = Array.from({ length: 20 }, (_, i) => i + 1);
    // ceil(0.95·20) = 19 → threshold is the 19th highest ID score, 2; OOD 2 and 2.5 are accepted.
    expect(fprAtTpr(id20, [2, 1.5, 0, 2.5])).toEqual({ fpr: 0.5, threshold: 2 });
  });

  it('reports perfect separation and perfect inversion at the extremes', () => {
    expect(separationMetrics([5, 6], [1, 2])).toMatchObject({ auroc: 1, fprAt95Tpr: 0, auprIn: 1, auprOut: 1 });
    expect(auroc([1, 2], [5, 6])).toBe(0);
    expect(averagePrecision([1], [5, 6])).toBeCloseTo(1 / 3, 12);
  });

  it('refuses empty sets and non-finite scores with a clear error', () => {
    expect(() => auroc([], [1])).toThrow(/in-distribution set is empty/);
    expect(() => auroc([1, Number.NaN], [1])).toThrow(/score 1 of the in-distribution set is NaN/);
  });

  it('bins scores into equal-width histogram bins, clamping the ends', () => {
    expect(histogram([0, 0.1, 0.5, 0.99, 1, 1.5, -2], 0, 1, 4)).toEqual([3, 0, 1, 3]);
  });
});

describe('separation metrics against scikit-learn', () => {
  it('agrees with roc_auc_score and average_precision_score on tied random scores', () => {
    // A deterministic LCG so the case is reproducible; scores rounded to 1 decimal to force many ties.
    let state = 12345;
    const rand = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const id = Array.from({ length: 200 }, () => Math.round((rand() + 0.3) * 10) / 10);
    const ood = Array.from({ length: 150 }, () => Math.round(rand() * 10) / 10);
    const script = [
      'import json, sys',
      'from sklearn.metrics import roc_auc_score, average_precision_score',
      'd = json.load(sys.stdin); y = [1]*len(d["id"]) + [0]*len(d["ood"]); s = d["id"] + d["ood"]',
      'print(json.dumps([roc_auc_score(y, s), average_precision_score(y, s),',
      '  average_precision_score([1 - v for v in y], [-v for v in s])]))',
    ].join('\n');
    const out = execFileSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify({ id, ood }) }).toString();
    const [skAuroc, skApIn, skApOut] = JSON.parse(out) as number[];
    const m = separationMetrics(id, ood);
    expect(m.auroc).toBeCloseTo(skAuroc!, 10);
    expect(m.auprIn).toBeCloseTo(skApIn!, 10);
    expect(m.auprOut).toBeCloseTo(skApOut!, 10);
  });
});
