// Text rendering of a ModelDescription for `ood inspect` (--json prints the same object).
import type { ModelDescription, TensorDescription } from '../artifact/describe-model.js';
import { formatTable } from './output.js';
import { terminalWidth } from './text-table.js';
import { formatBytes, plural } from './wording.js';

function shapeText(t: TensorDescription): string {
  return t.shape === null ? '(no shape)' : `[${t.shape.join(', ')}]`;
}

function signature(title: string, tensors: TensorDescription[]): string[] {
  if (tensors.length === 0) return [`${title}: none`];
  const width = terminalWidth(); // the table is indented by two
  return [
    `${title}:`,
    formatTable(
      ['name', 'datatype', 'shape'],
      tensors.map((t) => [t.name, t.datatype, shapeText(t)]),
      { width: width === undefined ? undefined : width - 2, wrap: [0, 2] },
    )
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n'),
  ];
}

/** What a user reads before packaging a model: signature first, then where it came from and its certainty. */
export function renderModelDescription(d: ModelDescription): string {
  const producer = [d.producer.name, d.producer.version].filter(Boolean).join(' ') || '(not recorded)';
  const lines = [
    `Model ${d.model}: ${formatBytes(d.size_bytes)}${d.external_data.length ? ` with external data ${d.external_data.join(', ')}` : ''}`,
    `Producer ${producer}; IR ${d.ir_version}; opsets ${d.opsets.map((o) => `${o.domain} ${o.version}`).join(', ')}`,
    `Graph: ${plural(d.nodes, 'node')}, ${plural(d.initializers, 'initializer')}`,
    '',
    ...signature('Inputs', d.inputs),
    '',
    ...signature('Outputs', d.outputs),
    '',
  ];
  const c = d.certainty;
  if (!c) {
    lines.push('Certainty: not enabled (`ood enable MODEL -o ENABLED.onnx` adds ood_scores)');
  } else {
    const calibration =
      c.normalization === 'none'
        ? 'raw score, not normalized'
        : `${c.normalization} normalization, calibrated on ${c.calibration_samples === null ? '?' : plural(c.calibration_samples, 'sample')}`;
    const percentile = c.percentile !== null ? `; percentile ${c.percentile} (score 1 at raw ≥ ${c.anchor})` : '';
    lines.push(
      `Certainty: ${c.method} (temperature ${c.temperature}) scores ${c.scored_output} into ${c.output}; ${calibration}${percentile}; enabled by ood ${c.enabled_by}`,
    );
    const t = c.threshold;
    lines.push(
      t
        ? `  Threshold: ${c.output} < ${t.score} flags a row as out-of-distribution (rejects ${100 * t.idRejection}% of in-distribution rows, measured on ${plural(t.rows, `${t.measuredOn} row`)})`
        : '  No decision threshold is recorded: `ood evaluate` reports the one at 95% TPR.',
    );
    if (c.problem) lines.push(`  Problem: ${c.problem} (ood introspect fails certainty.record on it)`);
  }
  return `${lines.join('\n')}\n`;
}
