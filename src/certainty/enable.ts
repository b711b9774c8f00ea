// `ood enable`: add a certainty score output to an ONNX classifier, inside its own graph, optionally calibrated
// on in-distribution data. The original graph is copied byte for byte; only nodes, initializers, one output and
// ood.* metadata are appended (docs/enable.md).
import { dirname, resolve } from 'node:path';
import { OodError } from '../errors.js';
import { OOD_VERSION } from '../version.js';
import { OnnxModel } from '../onnx/model.js';
import { writeEditedModel, type ModelEdit } from '../onnx/model-writer.js';
import { encodeMetadataEntry } from '../onnx/encode.js';
import { MIN_BUILDER_OPSET } from '../onnx/op-builder.js';
import { assertWritableTarget } from '../io/atomic-file.js';
import { certaintyToMetadata, type CalibrationRecord, type CertaintyRecord } from './metadata.js';
import { chooseLogits, type LogitsChoice } from './logits.js';
import { planStrip, type StripPlan } from './strip.js';
import { buildScoreGraph, type ScoreMap } from './score-graph.js';
import { resolveEnableOptions, type EnableOptions, type ResolvedEnableOptions } from './enable-options.js';
import { calibrateAndMeasure, type Measured } from './enable-measure.js';
import type { SplitRecord } from './split.js';
import type { AutoRecord } from './auto/choose-method.js';
import type { ThresholdRecord } from './threshold.js';
import type { PreprocessingRecord } from './preprocessing.js';
import { copyExternalData, planExternalCopies, removeCopies } from './external-data.js';
import { FEATURE_METADATA_KEYS, fitFeatureMethod } from './features/fit-feature-score.js';

export type { EnableOptions } from './enable-options.js';

/** Newest default-domain opset the enabled graph is tested against (onnxruntime-node 1.30). */
export const MAX_TESTED_OPSET = 26;

/** What enable did. */
export interface EnableResult {
  output: string;
  record: CertaintyRecord;
  opset: number;
  /** Outputs the default logits rule considered. */
  logitsCandidates: string[];
  added: { nodes: number; initializers: number };
  /** What an earlier enablement left and --force removed. */
  removed: StripPlan['removed'];
  externalDataCopied: string[];
  warnings: string[];
  /** Feature-space methods: the fitted parameters recorded in ood.method_parameters. */
  methodParameters?: Record<string, number | string | number[]>;
  /** How the data was split into fit, calibration and validation rows (ood.split). */
  split?: SplitRecord;
  /** --method auto: the candidates table (ood.auto). */
  auto?: AutoRecord;
  /** The ood_scores threshold that rejects 5% of held-out ID rows (ood.threshold). */
  threshold?: ThresholdRecord;
  preprocessing?: PreprocessingRecord;
}

/** Certainty-enable `options.model` into `options.output`. Nothing is written unless everything succeeds. */
export async function enableModel(options: EnableOptions): Promise<EnableResult> {
  const o = resolveEnableOptions(options);
  await assertWritableTarget(o.output, o.force === true);
  const model = OnnxModel.open(o.model);
  try {
    return await enableOpenModel(model, o);
  } finally {
    model.close();
  }
}

async function enableOpenModel(model: OnnxModel, o: ResolvedEnableOptions): Promise<EnableResult> {
  const strip = planStrip(model);
  if (strip.enabled && !o.force) {
    throw new OodError(
      'ALREADY_ENABLED',
      `${o.model} is already certainty-enabled (score output "${strip.previousOutput ?? '?'}")`,
      {
        hint: 'Enable the original model instead, or pass --force to replace the earlier score and calibration.',
      },
    );
  }
  const opset = model.defaultOpset;
  const warnings: string[] = [];
  if (opset === 0) {
    throw new OodError(
      'NO_DEFAULT_OPSET',
      `${o.model} imports no ai.onnx opset, so ood cannot add standard operators to it`,
      {
        hint: 'Re-export the model with a default-domain opset import (opset 11 or newer).',
      },
    );
  }
  if (opset < MIN_BUILDER_OPSET) {
    throw new OodError(
      'OPSET_TOO_OLD',
      `${o.model} uses ai.onnx opset ${opset}; ood supports ${MIN_BUILDER_OPSET} to ${MAX_TESTED_OPSET}`,
      {
        hint: 'Re-export the model with opset 11 or newer (e.g. torch.onnx.export(..., opset_version=17)).',
      },
    );
  }
  if (opset > MAX_TESTED_OPSET)
    warnings.push(`opset ${opset} is newer than ${MAX_TESTED_OPSET}, the newest ood is tested against`);
  const logits = chooseLogits(strip.outputs, o.logits);
  if (strip.used.has(o.outputName)) {
    throw new OodError('OUTPUT_NAME_TAKEN', `the model already uses the name "${o.outputName}"`, {
      hint: 'Choose another name for the score output with --output-name.',
    });
  }
  const copies = await planExternalCopies(model, o.output, o.force === true);
  // External data goes beside the output first: calibration loads the model from there. A failure removes it.
  await copyExternalData(copies);
  try {
    const fitted =
      o.data && (o.featureMethod || o.auto)
        ? await fitFeatureMethod(model, logits.name, o.featureMethod, {
            data: o.data,
            image: o.image,
            batchSize: o.batchSize,
            features: o.features,
            fit: o.featureFit,
            workDir: dirname(resolve(o.output)),
            opset,
            used: strip.used,
            oodValidation: o.oodValidation,
            seed: o.splitSeed,
          })
        : undefined;
    const scoreMethod = fitted?.scoreMethod ?? o.scoreMethod;
    const base = {
      opset,
      used: strip.used,
      logits,
      method: scoreMethod,
      temperature: o.temperature,
      output: o.outputName,
    };

    let calibration: CalibrationRecord | null = null;
    let map: ScoreMap = { kind: 'none' };
    let measured: Measured | undefined;
    if (o.data) {
      measured = await calibrateAndMeasure(model, strip, base, o, fitted);
      calibration = measured.record;
      map = measured.map;
      warnings.push(...measured.warnings);
    }
    const record = makeRecord({ ...o, method: scoreMethod.name }, logits, calibration);
    const logitParameters = scoreMethod.parameters;
    const methodMetadata: [string, string][] = [
      ...(fitted?.metadata ??
        (logitParameters
          ? [[FEATURE_METADATA_KEYS.parameters, JSON.stringify(logitParameters)] as [string, string]]
          : [])),
      ...(measured?.metadata ?? []),
    ];
    const graph = buildScoreGraph({ ...base, map, docString: scoreDoc(record) });
    const edit: ModelEdit = {
      dropTop: strip.dropTop,
      dropGraph: strip.dropGraph,
      appendGraph: graph.fields,
      appendTop: [...certaintyToMetadata(record), ...methodMetadata].map(([k, v]) => encodeMetadataEntry(k, v)),
    };
    await writeEditedModel(model, edit, o.output);
    return {
      output: o.output,
      record,
      opset,
      logitsCandidates: logits.candidates,
      added: { nodes: graph.nodes, initializers: graph.initializers },
      removed: strip.removed,
      externalDataCopied: copies.map((c) => c.location),
      warnings,
      ...(fitted
        ? { methodParameters: fitted.parameters, split: fitted.splitRecord }
        : logitParameters
          ? { methodParameters: logitParameters }
          : {}),
      ...(fitted?.auto ? { auto: fitted.auto } : {}),
      ...(measured ? { threshold: measured.threshold, preprocessing: measured.preprocessing } : {}),
    };
  } catch (err) {
    await removeCopies(copies);
    throw err;
  }
}

function makeRecord(
  o: ResolvedEnableOptions,
  logits: LogitsChoice,
  calibration: CalibrationRecord | null,
): CertaintyRecord {
  return {
    enabled: true,
    oodVersion: OOD_VERSION,
    method: o.method,
    temperature: o.temperature,
    logits: logits.name,
    output: o.outputName,
    outputType: 'FP32',
    outputShape: [logits.batchDim ?? 'batch', 1],
    normalization: o.normalize,
    calibration,
  };
}

function scoreDoc(r: CertaintyRecord): string {
  const range = r.normalization === 'none' ? 'unnormalized' : `normalized to [0, 1] (${r.normalization})`;
  return `ood certainty score (${r.method}, T=${r.temperature}) of ${r.logits}, ${range}; higher means more in-distribution`;
}
