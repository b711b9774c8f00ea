// `ood verify`'s report as the aligned table it prints by default; --json prints the report itself.
import type { VerifyReport } from '../verify/report.js';
import { formatTable } from './output.js';

/** The report as an aligned table, with a verdict line. */
export function renderVerifyText(report: VerifyReport): string {
  const rows = report.checks.map((c) => [c.passed ? 'PASS' : 'FAIL', c.name, c.detail]);
  const failed = report.checks.filter((c) => !c.passed).length;
  const verdict =
    failed === 0 ? `all ${report.checks.length} checks passed` : `${failed} of ${report.checks.length} checks failed`;
  return `${formatTable(['RESULT', 'CHECK', 'DETAIL'], rows)}\n\n${report.model} (${report.artifact}): ${verdict}`;
}
