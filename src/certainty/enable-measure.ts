// After the score is chosen and fitted: calibrate it on the calibration rows only, measure the 5%-rejection
// threshold on held-out rows, and check the calibration for the degenerate cases warnings.ts lists. Everything
// measured here is recorded in the metadata next to the certainty record.
import { dirname, resolve } from 'node:path';
import type { OnnxModel } from '../onnx/model.js';
import type { StripPlan } from './strip.js';
import type { ScoreGraphSpec, ScoreMap } from './score-graph.js';
import type { ResolvedEnableOptions } from './enable-options.js';
import type { CalibrationRecord } from './metadata.js';
import { calibrateModel } from './enable-calibration.js';
import { measureThreshold, type ThresholdRecord } from './threshold.js';
import { calibrationWarnings } from './warnings.js';
import { subsetSample } from './features/collect-features.js';
import type { FittedFeatureMethod } from './features/fit-feature-score.js';
import { describePreprocessing, type PreprocessingRecord } from './preprocessing.js';
import { MEASURED_METADATA_KEYS } from './measured-metadata.js';

export interface Measured {
  record: CalibrationRecord;
  map: ScoreMap;
  threshold: ThresholdRecord;
  warnings: string[];
  preprocessing: PreprocessingRecord;
  metadata: [string, string][];
}

type BaseSpec = Omit<ScoreGraphSpec, 'map' | 'docString'>;

/** Calibrate `base` on the right rows, then measure its threshold and warnings. */
export async function calibrateAndMeasure(
  model: OnnxModel,
  strip: StripPlan,
  base: BaseSpec,
  o: ResolvedEnableOptions,
  fitted: FittedFeatureMethod | undefined,
): Promise<Measured> {
  const workDir = dirname(resolve(o.output));
  const outcome = await calibrateModel(model, strip, base, o, {
    rows: fitted?.split.calibration,
    logits: fitted ? undefined : base.logits.name,
  });
  const heldOut = fitted && fitted.split.validation.length > 0 ? fitted.split.validation : outcome.calibrationRows;
  const threshold = await measureThreshold(
    model,
    outcome.map,
    Float32Array.from(heldOut, (r) => outcome.rawScores[r]!),
    heldOut === outcome.calibrationRows ? 'calibration' : 'validation',
    workDir,
  );
  const calibrationLogits = fitted ? subsetSample(fitted.sample, outcome.calibrationRows).logits : outcome.logits;
  const parameters = fitted?.parameters ?? {};
  const warnings = calibrationWarnings({
    method: base.method.name,
    fitRows: fitted?.split.fit.length,
    featureDim: fitted?.sample.dim,
    knnStored: typeof parameters.stored === 'number' ? parameters.stored : undefined,
    knnK: typeof parameters.k === 'number' ? parameters.k : undefined,
    rawScores: Float64Array.from(outcome.calibrationRows, (r) => outcome.rawScores[r]!),
    logits: calibrationLogits,
    classes: fitted?.sample.classes ?? (typeof base.logits.shape?.[1] === 'number' ? base.logits.shape[1] : undefined),
    image: o.image,
  });
  const preprocessing = await describePreprocessing(o.data!, model.info.graph.inputs, o.image ?? {});
  return {
    record: outcome.record,
    map: outcome.map,
    threshold,
    warnings,
    preprocessing,
    metadata: [
      [MEASURED_METADATA_KEYS.threshold, JSON.stringify(threshold)],
      [MEASURED_METADATA_KEYS.warnings, JSON.stringify(warnings)],
      [MEASURED_METADATA_KEYS.preprocessing, JSON.stringify(preprocessing)],
    ],
  };
}
