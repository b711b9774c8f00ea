// The evaluation report as the plain-text table `ood evaluate` prints by default.
import type { EvaluationReport } from '../evaluate/report.js';
import { formatTable } from './output.js';

const f3 = (v: number) => v.toFixed(3);

/** A table with one row per OOD set and a mean row, followed by the verdict on the original outputs. */
export function renderEvaluationText(report: EvaluationReport): string {
  const m = report.model;
  const rows = report.ood.map((s) => [
    s.name,
    String(s.samples),
    f3(s.metrics.auroc),
    f3(s.metrics.fprAt95Tpr),
    f3(s.metrics.auprIn),
    f3(s.metrics.auprOut),
  ]);
  if (report.ood.length > 1)
    rows.push([
      'mean',
      '',
      f3(report.mean.auroc),
      f3(report.mean.fprAt95Tpr),
      f3(report.mean.auprIn),
      f3(report.mean.auprOut),
    ]);
  const verdict =
    report.outputs.status === 'identical'
      ? `unchanged: ${report.outputs.detail}`
      : report.outputs.status === 'different'
        ? `CHANGED: ${report.outputs.detail}`
        : report.outputs.detail;
  return [
    `model ${m.path}: method ${m.method}, score output ${m.output}, normalization ${m.normalization}`,
    `in-distribution ${report.id.name}: ${report.id.samples} samples, median score ${f3(report.id.median)}`,
    '',
    formatTable(['ood set', 'samples', 'AUROC', 'FPR@95TPR', 'AUPR-In', 'AUPR-Out'], rows, { wrap: [0] }),
    '',
    `original outputs ${verdict}`,
  ].join('\n');
}
