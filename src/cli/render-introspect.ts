// Text rendering of an IntrospectReport: the table (key, description, result, message), then each hint once,
// then a one-line summary. --json prints the report itself; both come from the same data model.
import type { IntrospectReport } from '../checks/types.js';
import { plural } from './wording.js';

type TableFormatter = (
  columns: readonly string[],
  rows: readonly (readonly string[])[],
  options?: { wrap?: readonly number[] },
) => string;

/** The report as the text `ood introspect` prints. */
export function renderReport(report: IntrospectReport, formatTable: TableFormatter): string {
  const rows = report.checks.map((c) => [c.key, c.description, c.result, c.message.replace(/\s*\n\s*/g, ' ')]);
  const lines = [
    `Introspecting ${report.artifact} (${report.source})`,
    '',
    formatTable(['key', 'description', 'result', 'message'], rows, { wrap: [1, 3] }),
    '',
  ];
  for (const c of report.checks) {
    if (c.result !== 'FAILED' && c.result !== 'WARNING') continue;
    for (const p of c.problems ?? []) lines.push(`  ${c.key}: ${p}`);
    if (c.hint) lines.push(`Hint (${c.key}): ${c.hint}`);
  }
  const s = report.summary;
  lines.push(
    `${report.ok ? 'OK' : 'FAILED'}: ${s.passed} passed, ${s.failed} failed, ${plural(s.warning, 'warning')}, ${s.skipped} skipped`,
    '',
  );
  return lines.join('\n');
}
