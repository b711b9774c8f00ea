// The table `ood enable --method auto` prints: every candidate in score order, the chosen one marked wherever the
// tie rule put it, and the candidates it tied with marked as tied.
import { describe, expect, it } from 'vitest';
import { renderAutoTable, type AutoTable } from '../../src/cli/render-auto-table.js';

const row = (label: string, score: number, fpr: number, tied?: boolean) => ({
  label,
  score,
  meanAuroc: score,
  meanFprAt95Tpr: fpr,
  microsecondsPerRow: 12.5,
  ...(tied === undefined ? {} : { tied }),
});

const table: AutoTable = {
  chosen: 'knn k=1 + fdbd',
  chosenFlags: '--method knn+fdbd --knn-k 1',
  criterion: 'score',
  oodSets: [{ name: 'noise', samples: 300 }],
  candidates: [
    row('knn k=10 + fdbd', 0.981, 0.12, true),
    row('knn k=1 + fdbd', 0.979, 0.08, true),
    row('energy', 0.9, 0.4, false),
    { ...row('mahalanobis', 0, 0), error: 'too few rows' },
  ],
};

describe('the auto candidates table', () => {
  it('marks the chosen row even when it is not first, and the rows it tied with', () => {
    const lines = renderAutoTable(table);
    const of = (label: string) => lines.slice(4).find((l) => l.trim().startsWith(`${label} `))!;
    expect(lines[0]).toContain('chose knn k=1 + fdbd by score on noise (300)');
    expect(of('knn k=1 + fdbd')).toMatch(/0\.979 {2}0\.979 {2}0\.080 +12\.5 {2}chosen$/);
    expect(of('knn k=10 + fdbd')).toMatch(/ {2}tied$/);
    expect(of('energy')).toMatch(/12\.5$/);
    expect(of('mahalanobis')).toMatch(/not fitted: too few rows$/);
    expect(lines.slice(4).map((l) => l.trim().split('  ')[0])).toEqual([
      'knn k=10 + fdbd',
      'knn k=1 + fdbd',
      'energy',
      'mahalanobis',
    ]);
  });
});
