// auto's tie rule (src/certainty/auto/tie-rule.ts): a lead the validation rows cannot resolve (within one
// paired-bootstrap standard error) is a tie, and among the tied the lowest mean FPR@95%TPR wins; a lead well
// beyond the noise keeps the leader. The bootstrap's AUROC is the Mann-Whitney form with ties as ½.
import { describe, expect, it } from 'vitest';
import { bootstrapAuroc, pickWithTies, type TieCandidate } from '../../src/certainty/auto/tie-rule.js';
import { seededRandom } from '../../src/certainty/split.js';
import { auroc } from '../../src/certainty/separation-metrics.js';

const ones = (n: number) => new Uint16Array(n).fill(1);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** A candidate whose ID scores are N(shift, 1) and OOD scores N(0, 1), seeded; score = its AUROC. */
function candidate(shift: number, rows: number, seed: number, fpr: number): TieCandidate {
  const random = seededRandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const id = Float64Array.from({ length: rows }, () => shift + normal());
  const ood = Float64Array.from({ length: rows }, () => normal());
  return { score: auroc(id, ood), meanFprAt95Tpr: fpr, microsecondsPerRow: 1, scores: { id, ood: [ood] } };
}

describe('the tie rule of --method auto', () => {
  it('counts each drawn row as often as it was drawn, and an ID/OOD tie as half a pair', () => {
    // pairs: 0.9 beats both; each 0.5 ties the OOD 0.5 (½) and beats 0.1: (2 + 2·1.5) / 6
    expect(bootstrapAuroc([0.9, 0.5, 0.5], [0.5, 0.1], [ones(3)], [ones(2)])[0]).toBeCloseTo(5 / 6, 12);
    // the first ID row drawn twice, the second not at all: (2·2 + 1.5) / (3·2)
    const twice = Uint16Array.from([2, 0, 1]);
    expect(bootstrapAuroc([0.9, 0.5, 0.5], [0.5, 0.1], [twice], [ones(2)])[0]).toBeCloseTo(5.5 / 6, 12);
  });

  it('lets a candidate trailing within the noise win on a lower FPR@95', () => {
    // 30 rows a side: the standard error of a lead is several hundredths; these trail by much less
    const leader = candidate(1, 30, 1, 0.5);
    const close = candidate(1, 30, 1, 0.2);
    close.score -= 0.002;
    const ranked = [leader, close];
    const { pick, tied, standardErrors } = pickWithTies(ranked, [{ reach: 'far', count: 30 }], 7, mean);
    expect(standardErrors[1]).toBe(0); // identical scores: the lead is 0 in every draw
    expect(tied).toEqual([0]); // so a trail of 0.002 is beyond a standard error of 0 …
    expect(pick).toBe(0);
    const noisy = candidate(0.9, 30, 2, 0.2); // … while another candidate's noise covers a small gap
    const r = pickWithTies([leader, noisy], [{ reach: 'far', count: 30 }], 7, mean);
    expect(leader.score - noisy.score).toBeGreaterThan(0);
    expect(leader.score - noisy.score).toBeLessThan(r.standardErrors[1]!);
    expect(r.tied).toEqual([0, 1]);
    expect(r.pick).toBe(1);
  });

  it('keeps a leader whose lead is well beyond the noise, whatever the FPR@95 of the others', () => {
    const leader = candidate(3, 400, 3, 0.9);
    const weak = candidate(0.5, 400, 4, 0.01);
    const { pick, tied, standardErrors } = pickWithTies([leader, weak], [{ reach: 'far', count: 400 }], 7, mean);
    expect(leader.score - weak.score).toBeGreaterThan(10 * standardErrors[1]!);
    expect(tied).toEqual([0]);
    expect(pick).toBe(0);
  });
});
