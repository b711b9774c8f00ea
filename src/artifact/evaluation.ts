// evaluation.json, an optional file of the artifact format: the `ood evaluate --json` report of the artifact's
// model, validated against schemas/evaluation-report.schema.json, tied to the model by sha256, and the short
// summary that introspect, prepare and the server's /info show. The report's types live here because the format
// owns them; `ood evaluate` (src/evaluate/) produces values of these types.
import { OodError } from '../errors.js';
import { readJsonFile } from '../io/json-file.js';
import type { SeparationMetrics } from '../certainty/separation-metrics.js';
import { problemLines, validate } from './validate.js';
import { camelCaseKey, convertKeys } from '../io/json-keys.js';

export type { SeparationMetrics };

/** The artifact-relative name an evaluation is stored under. */
export const EVALUATION_FILE = 'evaluation.json';

/** What the report states about the original outputs. */
export interface OutputCheckResult {
  /** identical: every compared output matched bit for bit; different: at least one did not. */
  status: 'identical' | 'different' | 'unchecked';
  reference: 'original' | 'stripped' | null;
  outputs: string[];
  samplesCompared: number;
  detail: string;
}

/** Score statistics and histogram counts of one data set. */
export interface ScoreSummary {
  name: string;
  path: string;
  samples: number;
  min: number;
  median: number;
  mean: number;
  max: number;
  /** Counts over the report's shared histogram range. */
  histogram: number[];
}

/** One OOD set: its scores, its metrics against the ID set, and its ROC curve as [fpr, tpr] points. */
export interface OodSetResult extends ScoreSummary {
  metrics: SeparationMetrics;
  roc: [number, number][];
}

/** The `ood evaluate --json` report (schemas/evaluation-report.schema.json). */
export interface EvaluationReport {
  reportVersion: string;
  oodVersion: string;
  /** The evaluated model file; sha256 ties an evaluation stored in an artifact to the model it describes. */
  model: {
    path: string;
    sha256: string;
    size: number;
    method: string;
    output: string;
    normalization: string;
    temperature: number;
  };
  histogramRange: { lo: number; hi: number; bins: number };
  id: ScoreSummary;
  ood: OodSetResult[];
  /** Unweighted means over the OOD sets. */
  mean: { auroc: number; fprAt95Tpr: number; auprIn: number; auprOut: number };
  outputs: OutputCheckResult;
}

/** Problems of `value` as an evaluation report (sorted); empty when valid. */
export function evaluationProblems(value: unknown): string[] {
  return problemLines(validate('evaluation-report', value));
}

/** Read and validate an evaluation report; `modelSha256`, when given, must be the evaluated model's. */
export async function readEvaluationFile(path: string, modelSha256?: string): Promise<EvaluationReport> {
  let { value } = await readJsonFile(path, {
    what: 'evaluation file',
    notJson: (p, err) =>
      new OodError('EVALUATION_INVALID', `${p} is not JSON: ${err.message}`, {
        hint: 'Write it with `ood evaluate ... --json > evaluation.json`.',
      }),
  });
  // `ood evaluate --json` prints snake_case keys (the CLI's JSON convention); evaluation.json keeps format 1.0's
  // camelCase names, so a printed report is lifted back before it is checked and stored.
  if (value !== null && typeof value === 'object' && 'report_version' in value)
    value = convertKeys(value, camelCaseKey);
  const problems = evaluationProblems(value);
  if (problems.length > 0) {
    throw new OodError(
      'EVALUATION_INVALID',
      `${path} is not an ood evaluation report:\n  - ${problems.join('\n  - ')}`,
      {
        hint: 'Write it with `ood evaluate MODEL --id DATA --ood DATA --json > evaluation.json`.',
      },
    );
  }
  const report = value as EvaluationReport;
  return modelSha256 === undefined ? report : assertEvaluatesModel(report, path, modelSha256);
}

/** Refuse a report about another model: it would mislead everyone who reads the artifact. */
export function assertEvaluatesModel(report: EvaluationReport, path: string, modelSha256: string): EvaluationReport {
  if (report.model.sha256 !== modelSha256) {
    throw new OodError(
      'EVALUATION_MODEL_MISMATCH',
      `${path} evaluates another model (sha256 ${report.model.sha256.slice(0, 12)}…, this one is ${modelSha256.slice(0, 12)}…)`,
      {
        hint: 'Evaluate the model you are packaging: `ood evaluate MODEL.onnx --id DATA --ood DATA --json > evaluation.json`.',
      },
    );
  }
  return report;
}

/**
 * Refuse to store a report in which the score does no better than chance on some OOD set (AUROC <= 0.5): an
 * artifact carrying it would advertise a certainty score that does not work. `force` stores it anyway.
 */
export function assertUsefulEvaluation(report: EvaluationReport, path: string, force: boolean): EvaluationReport {
  const bad = report.ood.filter((s) => !(s.metrics.auroc > 0.5));
  if (bad.length === 0 || force) return report;
  throw new OodError(
    'EVALUATION_NOT_BETTER_THAN_CHANCE',
    `${path} reports AUROC at or below 0.5 (chance) on ${bad.map((s) => `${s.name} (${s.metrics.auroc.toFixed(3)})`).join(', ')}: the certainty score does not separate those sets`,
    {
      hint: 'Re-enable the model with a method that separates them (try `ood enable --method auto`), or pass --force to store the evaluation anyway.',
    },
  );
}

/** The few figures worth showing next to an artifact: method, per-set AUROC/FPR@95, means, output verdict. */
export interface EvaluationSummary {
  method: string;
  idSamples: number;
  sets: { name: string; samples: number; auroc: number; fprAt95Tpr: number }[];
  meanAuroc: number;
  meanFprAt95Tpr: number;
  originalOutputs: 'identical' | 'different' | 'unchecked';
}

/** Summarize a report for introspect and /info. */
export function summarizeEvaluation(report: EvaluationReport): EvaluationSummary {
  return {
    method: report.model.method,
    idSamples: report.id.samples,
    sets: report.ood.map((s) => ({
      name: s.name,
      samples: s.samples,
      auroc: s.metrics.auroc,
      fprAt95Tpr: s.metrics.fprAt95Tpr,
    })),
    meanAuroc: report.mean.auroc,
    meanFprAt95Tpr: report.mean.fprAt95Tpr,
    originalOutputs: report.outputs.status,
  };
}
