// The data model of a verification, shared by the text table and --json.
import { formatTable } from '../cli/output.js';

/** One check: what was tried, whether it passed, and why not. */
export interface VerifyCheck {
  name: string;
  passed: boolean;
  detail: string;
}

/** Everything `ood verify` found. `passed` is true only when every check passed. */
export interface VerifyReport {
  artifact: string;
  model: string;
  url: string;
  passed: boolean;
  checks: VerifyCheck[];
}

/** The report as an aligned table, with a verdict line. */
export function renderVerifyText(report: VerifyReport): string {
  const rows = report.checks.map((c) => [c.passed ? 'PASS' : 'FAIL', c.name, c.detail]);
  const failed = report.checks.filter((c) => !c.passed).length;
  const verdict =
    failed === 0 ? `all ${report.checks.length} checks passed` : `${failed} of ${report.checks.length} checks failed`;
  return `${formatTable(['RESULT', 'CHECK', 'DETAIL'], rows)}\n\n${report.model} (${report.artifact}): ${verdict}`;
}
