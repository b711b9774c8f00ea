// The evaluation report as one self-contained HTML page: a summary table, then per OOD set an inline SVG with
// its ROC curve and the score histograms of ID vs that set. No scripts, fonts, images or links to fetch.
import type { EvaluationReport, OodSetResult } from '../evaluate/report.js';

const W = 300;
const H = 220;
const PAD = 34;
const ID_COLOR = '#1f77b4';
const OOD_COLOR = '#d62728';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
const f3 = (v: number) => v.toFixed(3);
const px = (v: number) => v.toFixed(1);

/** Axes box with tick labels at both ends; (x, y) in [0, 1] map into the panel. */
function panel(
  offsetX: number,
  title: string,
  xLabel: string,
  yLabel: string,
  lo: string,
  hi: string,
  body: string,
): string {
  const x0 = offsetX + PAD;
  const y1 = H - PAD;
  return [
    `<g>`,
    `<text x="${x0 + (W - 2 * PAD) / 2}" y="16" text-anchor="middle" font-weight="bold">${escapeHtml(title)}</text>`,
    `<rect x="${x0}" y="${PAD}" width="${W - 2 * PAD}" height="${H - 2 * PAD}" fill="none" stroke="#888"/>`,
    body,
    `<text x="${x0}" y="${y1 + 14}" text-anchor="middle">${escapeHtml(lo)}</text>`,
    `<text x="${offsetX + W - PAD}" y="${y1 + 14}" text-anchor="middle">${escapeHtml(hi)}</text>`,
    `<text x="${x0 + (W - 2 * PAD) / 2}" y="${H - 6}" text-anchor="middle">${escapeHtml(xLabel)}</text>`,
    `<text x="${offsetX + 12}" y="${H / 2}" text-anchor="middle" transform="rotate(-90 ${offsetX + 12} ${H / 2})">${escapeHtml(yLabel)}</text>`,
    `</g>`,
  ].join('\n');
}

function toPanel(offsetX: number, x: number, y: number): string {
  return `${px(offsetX + PAD + x * (W - 2 * PAD))},${px(H - PAD - y * (H - 2 * PAD))}`;
}

function rocPanel(set: OodSetResult): string {
  const curve = set.roc.map(([fpr, tpr]) => toPanel(0, fpr, tpr)).join(' ');
  const body = [
    `<polyline points="${toPanel(0, 0, 0)} ${toPanel(0, 1, 1)}" fill="none" stroke="#bbb" stroke-dasharray="4 3"/>`,
    `<polyline points="${curve}" fill="none" stroke="${OOD_COLOR}" stroke-width="2"/>`,
    `<text x="${PAD + 8}" y="${PAD + 14}">AUROC ${f3(set.metrics.auroc)}</text>`,
  ].join('\n');
  return panel(0, 'ROC (ID positive)', 'false positive rate (OOD accepted)', 'TPR', '0', '1', body);
}

function histogramPanel(report: EvaluationReport, set: OodSetResult): string {
  const { lo, hi, bins } = report.histogramRange;
  const share = (counts: number[], total: number) => counts.map((c) => c / total);
  const idShare = share(report.id.histogram, report.id.samples);
  const oodShare = share(set.histogram, set.samples);
  const top = Math.max(...idShare, ...oodShare, 1e-9);
  const bars = (values: number[], color: string) =>
    values
      .map((v, i) => {
        const [x, y] = toPanel(W, i / bins, v / top).split(',');
        const width = (W - 2 * PAD) / bins;
        const height = H - PAD - Number(y);
        return `<rect x="${x}" y="${y}" width="${px(width)}" height="${px(height)}" fill="${color}" fill-opacity="0.45"/>`;
      })
      .join('\n');
  const legend = [
    `<rect x="${W + PAD + 8}" y="${PAD + 6}" width="10" height="10" fill="${ID_COLOR}" fill-opacity="0.45"/><text x="${W + PAD + 22}" y="${PAD + 15}">ID ${escapeHtml(report.id.name)}</text>`,
    `<rect x="${W + PAD + 8}" y="${PAD + 22}" width="10" height="10" fill="${OOD_COLOR}" fill-opacity="0.45"/><text x="${W + PAD + 22}" y="${PAD + 31}">OOD ${escapeHtml(set.name)}</text>`,
  ].join('\n');
  return panel(
    W,
    'Score histogram (share of set)',
    `${report.model.output} (higher = more in-distribution)`,
    'share',
    Number(lo.toPrecision(3)).toString(),
    Number(hi.toPrecision(3)).toString(),
    `${bars(idShare, ID_COLOR)}\n${bars(oodShare, OOD_COLOR)}\n${legend}`,
  );
}

function setSection(report: EvaluationReport, set: OodSetResult): string {
  const m = set.metrics;
  return [
    `<section>`,
    `<h2>${escapeHtml(set.name)} <small>(${set.samples} samples, ${escapeHtml(set.path)})</small></h2>`,
    `<p>AUROC ${f3(m.auroc)} · FPR@95%TPR ${f3(m.fprAt95Tpr)} (threshold ${f3(m.thresholdAt95Tpr)}) · AUPR-In ${f3(m.auprIn)} · AUPR-Out ${f3(m.auprOut)}</p>`,
    `<svg role="img" aria-label="ROC curve and score histograms for ${escapeHtml(set.name)}" viewBox="0 0 ${2 * W} ${H}" width="${2 * W}" height="${H}" font-family="sans-serif" font-size="11">`,
    rocPanel(set),
    histogramPanel(report, set),
    `</svg>`,
    `</section>`,
  ].join('\n');
}

/** The whole page. Deterministic: the same report renders to the same bytes. */
export function renderEvaluationHtml(report: EvaluationReport): string {
  const rows = report.ood
    .map(
      (s) =>
        `<tr><td>${escapeHtml(s.name)}</td><td>${s.samples}</td><td>${f3(s.metrics.auroc)}</td><td>${f3(s.metrics.fprAt95Tpr)}</td><td>${f3(s.metrics.auprIn)}</td><td>${f3(s.metrics.auprOut)}</td></tr>`,
    )
    .join('\n');
  const mean = `<tr class="mean"><td>mean</td><td></td><td>${f3(report.mean.auroc)}</td><td>${f3(report.mean.fprAt95Tpr)}</td><td>${f3(report.mean.auprIn)}</td><td>${f3(report.mean.auprOut)}</td></tr>`;
  const o = report.outputs;
  const verdict =
    o.status === 'identical'
      ? `Original outputs unchanged: ${o.detail}.`
      : o.status === 'different'
        ? `Original outputs CHANGED: ${o.detail}.`
        : `Original outputs ${o.detail}.`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>ood evaluation: ${escapeHtml(report.model.path)}</title>
<style>
body { font-family: sans-serif; max-width: 980px; margin: 2em auto; color: #222; }
table { border-collapse: collapse; } td, th { padding: 4px 10px; border-bottom: 1px solid #ddd; text-align: right; }
td:first-child, th:first-child { text-align: left; } tr.mean td { font-weight: bold; }
.identical { color: #1a7f37; } .different { color: #b42318; } small { color: #666; font-weight: normal; }
</style>
</head>
<body>
<h1>Certainty evaluation</h1>
<p>Model <code>${escapeHtml(report.model.path)}</code>: method <b>${escapeHtml(report.model.method)}</b>, score output <code>${escapeHtml(report.model.output)}</code>, normalization ${escapeHtml(report.model.normalization)}, ood ${escapeHtml(report.oodVersion)}.</p>
<p>In-distribution set <b>${escapeHtml(report.id.name)}</b>: ${report.id.samples} samples, median score ${f3(report.id.median)}. Higher scores mean more in-distribution; ID is the positive class.</p>
<p class="${o.status}">${escapeHtml(verdict)}</p>
<table>
<tr><th>OOD set</th><th>samples</th><th>AUROC</th><th>FPR@95%TPR</th><th>AUPR-In</th><th>AUPR-Out</th></tr>
${rows}
${report.ood.length > 1 ? mean : ''}
</table>
${report.ood.map((s) => setSection(report, s)).join('\n')}
</body>
</html>
`;
}
