// The evaluation report: one data model that the text table, --json and the HTML page all render. Its JSON
// form is stable (sorted keys are not needed: fields are built in a fixed order) and is what
// `ood prepare --evaluation FILE` stores in an artifact; its types are the artifact format's (artifact/evaluation.ts).
import type { CertaintyRecord } from '../certainty/metadata.js';
import type { EvaluationReport, OutputCheckResult, ScoreSummary, SeparationMetrics } from '../artifact/evaluation.js';
import { histogram, rocCurve, separationMetrics } from './metrics.js';

/** The report's types belong to the artifact format (evaluation.json); re-exported for evaluate's renderers. */
export type { EvaluationReport, OodSetResult, ScoreSummary } from '../artifact/evaluation.js';

export const EVALUATION_REPORT_VERSION = '1';
const HISTOGRAM_BINS = 20;
const MAX_ROC_POINTS = 101;

export interface ReportInput {
  oodVersion: string;
  modelPath: string;
  modelDigest: { sha256: string; size: number };
  record: CertaintyRecord;
  /** The ID set first, then each OOD set. */
  sets: { name: string; path: string; scores: Float32Array }[];
  outputs: OutputCheckResult;
}

/** Assemble the report from scores. Pure: the same scores give the same report. */
export function buildReport(input: ReportInput): EvaluationReport {
  const [idSet, ...oodSets] = input.sets;
  if (!idSet) throw new Error('buildReport needs the in-distribution set');
  const all = input.sets.flatMap((s) => [min(s.scores), max(s.scores)]);
  const inUnit = all.every((v) => v >= 0 && v <= 1);
  const lo = inUnit ? 0 : Math.min(...all);
  const hi = inUnit ? 1 : Math.max(...all);
  const summary = (s: { name: string; path: string; scores: Float32Array }): ScoreSummary => ({
    name: s.name,
    path: s.path,
    samples: s.scores.length,
    min: min(s.scores),
    median: median(s.scores),
    mean: s.scores.reduce((a, b) => a + b, 0) / s.scores.length,
    max: max(s.scores),
    histogram: histogram(s.scores, lo, hi, HISTOGRAM_BINS),
  });
  const ood = oodSets.map((s) => ({
    ...summary(s),
    metrics: separationMetrics(idSet.scores, s.scores),
    roc: thinRoc(rocCurve(idSet.scores, s.scores).map((p): [number, number] => [p.fpr, p.tpr])),
  }));
  const avg = (f: (m: SeparationMetrics) => number) => ood.reduce((a, s) => a + f(s.metrics), 0) / ood.length;
  return {
    reportVersion: EVALUATION_REPORT_VERSION,
    oodVersion: input.oodVersion,
    model: {
      path: input.modelPath,
      sha256: input.modelDigest.sha256,
      size: input.modelDigest.size,
      method: input.record.method,
      output: input.record.output,
      normalization: input.record.normalization,
      temperature: input.record.temperature,
    },
    histogramRange: { lo, hi, bins: HISTOGRAM_BINS },
    id: summary(idSet),
    ood,
    mean: {
      auroc: avg((m) => m.auroc),
      fprAt95Tpr: avg((m) => m.fprAt95Tpr),
      auprIn: avg((m) => m.auprIn),
      auprOut: avg((m) => m.auprOut),
    },
    outputs: input.outputs,
  };
}

/** Keep at most MAX_ROC_POINTS evenly spaced points of the curve, always including both ends. */
function thinRoc(points: [number, number][]): [number, number][] {
  if (points.length <= MAX_ROC_POINTS) return points;
  const step = (points.length - 1) / (MAX_ROC_POINTS - 1);
  return Array.from({ length: MAX_ROC_POINTS }, (_, i) => points[Math.round(i * step)]!);
}

function min(a: Float32Array): number {
  return a.reduce((m, v) => Math.min(m, v), Infinity);
}
function max(a: Float32Array): number {
  return a.reduce((m, v) => Math.max(m, v), -Infinity);
}
function median(a: Float32Array): number {
  const s = Float64Array.from(a).sort();
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
