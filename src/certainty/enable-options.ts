// The options of `enableModel`, checked up front so that a bad combination fails before any work is done.
import { OodError, type ErrorCode } from '../errors.js';
import type { Normalization } from './metadata.js';
import { findFeatureMethod, getMethod, type ScoreMethod } from './methods/index.js';
import { genMethod } from './methods/gen.js';
import { unfittedScoreMethod, type FeatureFitOptions, type FeatureMethod } from './methods/feature-method.js';
import type { ImageOptions } from './data/images.js';
import type { ProgressListener } from './calibrate.js';

/** What `ood enable` does; only `model` and `output` are required. */
export interface EnableOptions {
  model: string;
  output: string;
  /** Replace an existing output and re-enable an already enabled model. */
  force?: boolean;
  method?: string;
  temperature?: number;
  /** gen: the exponent γ (default 0.1, gen.ts). */
  genGamma?: number;
  /** Output to score; default: the single float [batch, classes] output. */
  logits?: string;
  /** Name of the score output; default `ood_scores`. */
  outputName?: string;
  /** In-distribution data: a V2 request JSON file, a .npy file, or a folder of either or of images. */
  data?: string;
  /** Default: cdf with data, none without. */
  normalize?: Normalization;
  /** For normalize=percentile; default 20. */
  percentile?: number;
  image?: ImageOptions;
  /** Calibration batch size; default 32 (a fixed batch dimension in the model wins). */
  batchSize?: number;
  onProgress?: ProgressListener;
  /** Feature methods (mahalanobis, knn): the feature tensor; default: the input of the final Gemm/MatMul. */
  features?: string;
  /** Feature methods: k, maxStored (knn), ridge (mahalanobis). */
  featureFit?: FeatureFitOptions;
  /** --method auto: OOD validation sets (--ood-val, repeatable); none: synthetic OOD from the data. */
  oodValidation?: string[];
  /** Seed of the fit/calibration/validation split (default split.ts's DEFAULT_SPLIT_SEED). */
  splitSeed?: number;
}

/** Options with defaults applied. */
export interface ResolvedEnableOptions extends EnableOptions {
  method: string;
  scoreMethod: ScoreMethod;
  /** Set for feature-space methods, which enable fits before building the score graph. */
  featureMethod?: FeatureMethod;
  /** --method auto: enable measures the candidates and picks one. */
  auto: boolean;
  temperature: number;
  outputName: string;
  normalize: Normalization;
  percentile: number;
  batchSize: number;
}

export const DEFAULT_OUTPUT_NAME = 'ood_scores';

function usage(code: ErrorCode, message: string, hint: string): OodError {
  return new OodError(code, message, { hint });
}

/** Apply defaults and reject contradictory options. */
export function resolveEnableOptions(o: EnableOptions): ResolvedEnableOptions {
  const auto = o.method === 'auto';
  if (auto) return resolveAuto(o);
  if (o.oodValidation?.length)
    throw usage(
      'OOD_VAL_NEEDS_AUTO',
      '--ood-val only applies to --method auto, which measures the candidates on it',
      'Add --method auto, or drop --ood-val (use `ood evaluate --ood` to measure one method).',
    );
  const featureMethod = findFeatureMethod(o.method);
  if (o.genGamma !== undefined && o.method !== 'gen')
    throw usage(
      'GEN_BAD_GAMMA',
      `--gen-gamma only applies to --method gen, not ${o.method ?? 'energy'}`,
      'Add --method gen, or drop --gen-gamma.',
    );
  if (o.genGamma !== undefined && !(Number.isFinite(o.genGamma) && o.genGamma > 0))
    throw usage('GEN_BAD_GAMMA', `gen's γ must be a positive number, got ${o.genGamma}`, 'Use e.g. --gen-gamma 0.1.');
  const scoreMethod = featureMethod
    ? unfittedScoreMethod(featureMethod)
    : o.method === 'gen'
      ? genMethod(o.genGamma)
      : getMethod(o.method ?? 'energy');
  if (featureMethod && !o.data)
    throw usage(
      'FEATURE_METHOD_NEEDS_DATA',
      `method ${featureMethod.name} is fitted on in-distribution data, and none was given`,
      'Pass --data PATH with samples the model was trained on (e.g. its training split).',
    );
  if (!featureMethod && (o.features !== undefined || o.featureFit !== undefined))
    throw usage(
      'FEATURES_NEED_FEATURE_METHOD',
      '--features and the knn/mahalanobis settings only apply to feature-space methods',
      'Add --method mahalanobis or --method knn, or drop those options.',
    );
  const temperature = o.temperature ?? 1;
  if (!Number.isFinite(temperature) || temperature <= 0)
    throw usage(
      'BAD_TEMPERATURE',
      `temperature must be a positive number, got ${temperature}`,
      'Use e.g. --temperature 1.',
    );
  if (!scoreMethod.usesTemperature && temperature !== 1) {
    throw usage(
      'BAD_TEMPERATURE',
      `method ${scoreMethod.name} takes no temperature (it would only rescale the score)`,
      'Drop --temperature, or use --method energy or msp.',
    );
  }
  const normalize = o.normalize ?? (o.data ? 'cdf' : 'none');
  if (!['none', 'cdf', 'percentile'].includes(normalize))
    throw usage('BAD_NORMALIZE', `unknown normalization "${normalize}"`, 'Use --normalize cdf, percentile or none.');
  if (normalize !== 'none' && !o.data) {
    throw usage(
      'NORMALIZE_NEEDS_DATA',
      `--normalize ${normalize} needs in-distribution data`,
      'Pass --data PATH with samples the model was trained on, or use --normalize none.',
    );
  }
  const percentile = o.percentile ?? 20;
  if (!(percentile > 0 && percentile <= 100))
    throw usage('BAD_PERCENTILE', `percentile must be in (0, 100], got ${percentile}`, 'Use e.g. --percentile 20.');
  if (o.percentile !== undefined && normalize !== 'percentile')
    throw usage(
      'BAD_PERCENTILE',
      '--percentile only applies to --normalize percentile',
      'Add --normalize percentile, or drop --percentile.',
    );
  const batchSize = o.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw usage(
      'BAD_BATCH_SIZE',
      `batch size must be a positive integer, got ${batchSize}`,
      'Use e.g. --batch-size 32.',
    );
  const outputName = o.outputName ?? DEFAULT_OUTPUT_NAME;
  if (!outputName)
    throw usage('BAD_OUTPUT_NAME', 'the score output name is empty', `Use e.g. --output-name ${DEFAULT_OUTPUT_NAME}.`);
  return {
    ...o,
    method: scoreMethod.name,
    scoreMethod,
    featureMethod,
    auto: false,
    temperature,
    outputName,
    normalize,
    percentile,
    batchSize,
  };
}

/** --method auto: needs data, takes no per-method knobs (it chooses them) and no temperature. */
function resolveAuto(o: EnableOptions): ResolvedEnableOptions {
  if (!o.data)
    throw usage(
      'AUTO_NEEDS_DATA',
      '--method auto measures every method on in-distribution data, and none was given',
      'Pass --data PATH with samples the model was trained on (e.g. its training split).',
    );
  if (o.featureFit !== undefined || o.temperature !== undefined || o.genGamma !== undefined)
    throw usage(
      'AUTO_TAKES_NO_SETTINGS',
      "--method auto chooses each method's hyperparameter itself; --temperature, --gen-gamma and the knn/vim/react/scale settings do not apply",
      'Drop those options, or name one method with --method.',
    );
  const resolved = resolveEnableOptions({ ...o, method: 'energy', oodValidation: undefined });
  return { ...resolved, method: 'auto', auto: true, oodValidation: o.oodValidation };
}
