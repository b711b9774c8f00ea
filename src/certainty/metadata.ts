// The certainty record that `ood enable` writes into a model's metadata_props, and that prepare, introspect
// and serve read back. Keys are flat strings so that any ONNX tool (Netron, Triton's model metadata) shows them.
import { OodError } from '../errors.js';

export const METADATA_KEYS = {
  enabled: 'ood.enabled',
  version: 'ood.version',
  method: 'ood.method',
  temperature: 'ood.temperature',
  logits: 'ood.logits',
  output: 'ood.output',
  outputType: 'ood.output_type',
  outputShape: 'ood.output_shape',
  normalization: 'ood.normalization',
  calibration: 'ood.calibration',
} as const;

export type CertaintyMethod = 'energy' | 'msp' | 'maxlogit' | (string & {});
export type Normalization = 'none' | 'cdf' | 'percentile';

/** Calibration statistics of the raw score on the in-distribution data. */
export interface CalibrationRecord {
  /** Number of in-distribution samples scored. */
  samples: number;
  /** Raw-score quantile levels in [0, 1] and their values; the CDF map interpolates between them. */
  levels: number[];
  quantiles: number[];
  /**
   * For `cdf` normalization: s, the scale of the exponential tails below the first and above the last knot
   * (docs/enable.md). Absent in models enabled before the tails existed, whose map clamps to 0 and 1 there.
   */
  spread?: number;
  /** For `percentile` normalization: the percentile used (e.g. 20). */
  percentile?: number;
  /** For `percentile` normalization: raw scores at or above `anchor` (the percentile's value) map to 1. */
  anchor?: number;
  /** For `percentile` normalization: raw scores at or below `zero` map to 0 (see docs/enable.md). */
  zero?: number;
  mean: number;
  std: number;
  min: number;
  max: number;
}

/** Everything recorded about a certainty-enabled model. */
export interface CertaintyRecord {
  enabled: true;
  oodVersion: string;
  method: CertaintyMethod;
  temperature: number;
  /** Name of the output that was scored. */
  logits: string;
  /** Name of the added score output (default `ood_scores`). */
  output: string;
  /** KServe V2 datatype of the score output (always FP32 today). */
  outputType: string;
  /** Shape of the score output, e.g. ["batch", 1]. */
  outputShape: (number | string)[];
  normalization: Normalization;
  calibration: CalibrationRecord | null;
}

/** The metadata_props entries for a record, in a stable order. */
export function certaintyToMetadata(record: CertaintyRecord): [string, string][] {
  return [
    [METADATA_KEYS.enabled, 'true'],
    [METADATA_KEYS.version, record.oodVersion],
    [METADATA_KEYS.method, record.method],
    [METADATA_KEYS.temperature, String(record.temperature)],
    [METADATA_KEYS.logits, record.logits],
    [METADATA_KEYS.output, record.output],
    [METADATA_KEYS.outputType, record.outputType],
    [METADATA_KEYS.outputShape, JSON.stringify(record.outputShape)],
    [METADATA_KEYS.normalization, record.normalization],
    [METADATA_KEYS.calibration, record.calibration ? JSON.stringify(record.calibration) : ''],
  ];
}

/** True when metadata says the model has been certainty-enabled. */
export function isCertaintyEnabled(metadata: ReadonlyMap<string, string>): boolean {
  return metadata.get(METADATA_KEYS.enabled) === 'true';
}

/** The record as read, with every problem found; `value` is null for a model that is not enabled. */
export interface CertaintyRecordFindings {
  value: CertaintyRecord | null;
  /** Sorted; empty when the record is complete. */
  problems: string[];
}

/**
 * Read the record back and list what is wrong with it, without throwing: introspection reports the problems
 * as they are; readCertaintyRecord is the boundary that refuses.
 */
export function inspectCertaintyRecord(metadata: ReadonlyMap<string, string>): CertaintyRecordFindings {
  if (!isCertaintyEnabled(metadata)) return { value: null, problems: [] };
  const problems: string[] = [];
  const get = (key: string): string => {
    const value = metadata.get(key);
    if (value === undefined || value === '') problems.push(`${key} is missing`);
    return value ?? '';
  };
  const json = <T>(key: string, value: string): T | undefined => {
    if (!value) return undefined;
    try {
      return JSON.parse(value) as T;
    } catch {
      problems.push(`${key} is not valid JSON`);
      return undefined;
    }
  };
  const temperature = Number(get(METADATA_KEYS.temperature));
  if (!Number.isFinite(temperature) || temperature <= 0)
    problems.push(`${METADATA_KEYS.temperature} must be a positive number`);
  const normalization = get(METADATA_KEYS.normalization) as Normalization;
  if (!['none', 'cdf', 'percentile'].includes(normalization))
    problems.push(`${METADATA_KEYS.normalization} must be none, cdf or percentile`);
  const outputShape = json<(number | string)[]>(METADATA_KEYS.outputShape, get(METADATA_KEYS.outputShape));
  if (outputShape !== undefined && !Array.isArray(outputShape))
    problems.push(`${METADATA_KEYS.outputShape} must be a JSON array`);
  const calibrationText = metadata.get(METADATA_KEYS.calibration) ?? '';
  const calibration = json<CalibrationRecord>(METADATA_KEYS.calibration, calibrationText) ?? null;
  if (normalization !== 'none') {
    if (!calibration) problems.push(`${METADATA_KEYS.calibration} is required when normalization is ${normalization}`);
    else problems.push(...calibrationProblems(calibration, normalization));
  }
  const record: CertaintyRecord = {
    enabled: true,
    oodVersion: get(METADATA_KEYS.version),
    method: get(METADATA_KEYS.method),
    temperature,
    logits: get(METADATA_KEYS.logits),
    output: get(METADATA_KEYS.output),
    outputType: get(METADATA_KEYS.outputType),
    outputShape: outputShape ?? [],
    normalization,
    calibration,
  };
  return { value: record, problems: problems.sort() };
}

/**
 * Read the record back. Returns null for a model that is not enabled; throws CERTAINTY_METADATA_INVALID
 * (listing every problem) when the model claims to be enabled but the record is incomplete or malformed.
 */
export function readCertaintyRecord(metadata: ReadonlyMap<string, string>): CertaintyRecord | null {
  const { value, problems } = inspectCertaintyRecord(metadata);
  if (problems.length > 0) {
    throw new OodError(
      'CERTAINTY_METADATA_INVALID',
      `the model's certainty record is incomplete:\n  - ${problems.join('\n  - ')}`,
      {
        hint: 'Re-run `ood enable --force` on the original model to rewrite the record.',
      },
    );
  }
  return value;
}

function calibrationProblems(c: CalibrationRecord, normalization: Normalization): string[] {
  const problems: string[] = [];
  const key = METADATA_KEYS.calibration;
  if (!Number.isInteger(c.samples) || c.samples <= 0) problems.push(`${key}.samples must be a positive integer`);
  if (
    !Array.isArray(c.levels) ||
    !Array.isArray(c.quantiles) ||
    c.levels.length !== c.quantiles.length ||
    c.levels.length === 0
  ) {
    problems.push(`${key}.levels and ${key}.quantiles must be non-empty arrays of equal length`);
  }
  for (const field of ['mean', 'std', 'min', 'max'] as const) {
    if (typeof c[field] !== 'number' || !Number.isFinite(c[field]))
      problems.push(`${key}.${field} must be a finite number`);
  }
  if (normalization === 'percentile') {
    if (typeof c.percentile !== 'number') problems.push(`${key}.percentile is required for percentile normalization`);
    for (const field of ['anchor', 'zero'] as const) {
      if (typeof c[field] !== 'number' || !Number.isFinite(c[field]))
        problems.push(`${key}.${field} must be a finite number for percentile normalization`);
    }
  }
  if (c.spread !== undefined && !(typeof c.spread === 'number' && Number.isFinite(c.spread) && c.spread > 0)) {
    problems.push(`${key}.spread must be a positive number`);
  }
  return problems;
}
