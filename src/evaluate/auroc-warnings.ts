// A score that ranks an OOD set below chance (AUROC < 0.5) says in-distribution inputs look *less* familiar than
// that set: usually the wrong score direction, the wrong preprocessing for one of the sets, or a set that is in
// fact in-distribution. `ood evaluate` warns about every such set; `ood prepare --evaluation` refuses to store
// a report with one at or below 0.5 unless --force (artifact/evaluation.ts).
import type { EvaluationReport } from '../artifact/evaluation.js';

/** One warning per OOD set whose AUROC is below `floor` (0.5 for evaluate). */
export function aurocWarnings(report: EvaluationReport, floor = 0.5): string[] {
  return report.ood
    .filter((s) => s.metrics.auroc < floor)
    .map(
      (s) =>
        `AUROC on ${s.name} is ${s.metrics.auroc.toFixed(3)}, below chance (0.5): the score ranks these OOD samples above the in-distribution ones; check that ${s.name} is really out of distribution and preprocessed like --id, and the method (ood.method ${report.model.method})`,
    );
}
