// Text rendering of a BuildResult for `ood prepare` (the --json output prints the same object).
import type { BuildResult } from '../artifact/build-artifact.js';
import type { PostBuildReport } from '../checks/post-build-report.js';
import { formatTable } from './output.js';
import { plural } from './wording.js';

/** What `ood prepare` reports (and prints with --json): the build, then the introspection of what it built. */
export interface PrepareResult extends BuildResult {
  introspection: PostBuildReport;
}

/** A human summary: what was written, its files, provenance and the introspection verdict. */
export function renderBuildResult(result: PrepareResult): string {
  const lines = [
    `Prepared ${result.format} artifact ${result.path} (format ${result.artifact_version})`,
    `Model ${result.model.name} ${result.model.version}: sha256 ${result.model.sha256}, ${result.model.size} bytes`,
    '',
    formatTable(
      ['FILE', 'SIZE', 'SHA256'],
      result.files.map((f) => [f.path, String(f.size), f.sha256.slice(0, 16)]),
      { wrap: [0] },
    ),
    '',
  ];
  const p = result.provenance;
  lines.push(
    p.GIT_COMMIT
      ? `Provenance: ${p.GIT_COMMIT.slice(0, 12)} on ${p.GIT_BRANCH ?? '(detached)'}${p.GIT_DIRTY ? ' (dirty)' : ''}${p.NOTE ? `; ${p.NOTE}` : ''}`
      : `Provenance: ${p.NOTE ?? 'none'}`,
  );
  const labels = result.labels;
  if (labels)
    lines.push(
      `Labels: ${labels.length} classes (${labels.slice(0, 5).join(', ')}${labels.length > 5 ? ', ...' : ''})`,
    );
  const e = result.evaluation;
  if (e)
    lines.push(
      `Evaluation: ${e.method}, mean AUROC ${e.meanAuroc.toFixed(3)}, mean FPR@95%TPR ${e.meanFprAt95Tpr.toFixed(3)} over ${plural(e.sets.length, 'OOD set')}; original outputs ${e.originalOutputs}`,
    );
  if (result.ignored.length > 0) lines.push(`Ignored by .model-ignore: ${result.ignored.join(', ')}`);
  const i = result.introspection;
  if (i.status === 'ran') {
    lines.push(
      `Introspection: ${i.ok ? 'passed' : 'FAILED'} (${Object.entries(i.summary)
        .map(([k, v]) => (k === 'warning' ? plural(v, 'warning') : `${v} ${k}`))
        .join(', ')})`,
    );
    for (const c of i.report.checks.filter((c) => c.result === 'FAILED' || c.result === 'WARNING'))
      lines.push(`  ${c.result} ${c.key}: ${c.message}${c.hint ? `\n    Hint: ${c.hint}` : ''}`);
  } else lines.push(`Introspection: not run (${i.reason})`);
  return `${lines.join('\n')}\n`;
}
