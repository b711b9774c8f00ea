// An evaluation as a file: the `ood evaluate --json` report, validated against
// schemas/evaluation-report.schema.json, and the short summary that introspect and the server's /info show.
// This is the library half of `ood prepare --evaluation FILE` (artifact file `evaluation.json`).
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Ajv, type ValidateFunction } from 'ajv';
import { OodError, fileError } from '../errors.js';
import { packagePath } from '../artifact/schema-files.js';
import type { EvaluationReport } from './report.js';

/** The artifact-relative name an evaluation is stored under. */
export const EVALUATION_FILE = 'evaluation.json';

let validator: ValidateFunction | undefined;

/** Problems of `value` as an evaluation report (sorted); empty when valid. */
export function evaluationProblems(value: unknown): string[] {
  if (!validator) {
    const schema = JSON.parse(readFileSync(packagePath('schemas/evaluation-report.schema.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    validator = new Ajv({ allErrors: true }).compile(schema);
  }
  if (validator(value)) return [];
  return (validator.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`).sort();
}

/** Read and validate an evaluation report; `modelSha256`, when given, must be the evaluated model's. */
export async function readEvaluationFile(path: string, modelSha256?: string): Promise<EvaluationReport> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw fileError(err, path, 'evaluation file');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new OodError('EVALUATION_INVALID', `${path} is not JSON: ${(err as Error).message}`, {
      hint: 'Write it with `ood evaluate ... --json > evaluation.json`.',
    });
  }
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
