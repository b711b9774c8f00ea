// The fitting step of `ood enable` for feature-space methods and `--method auto`: collect the model's features
// and logits over the in-distribution data once, split the rows (split.ts: fit, calibration and, for auto,
// validation, disjoint and stratified by predicted class), fit the method on the fit rows only, or let auto
// choose one by measuring, and hand enable a ScoreMethod plus the rows it must calibrate on. Parameters, split
// and the candidates table are recorded as ood.features, ood.method_parameters, ood.split and ood.auto.
import { OodError, isOodError } from '../../errors.js';
import type { OnnxModel } from '../../onnx/model.js';
import type { ImageOptions } from '../data/images.js';
import { openFeedData } from '../data/feed-data.js';
import type { ScoreMethod } from '../methods/method.js';
import { asScoreMethod, type FeatureFitOptions, type FeatureMethod } from '../methods/feature-method.js';
import { collectFeatures, subsetSample, type FeatureSample } from './collect-features.js';
import { findFeatures, findPreviousLayer, type FeatureChoice } from './find-features.js';
import { readLinearHead } from './linear-head.js';
import {
  DEFAULT_SPLIT_SEED,
  FIT_CALIBRATION,
  FIT_CALIBRATION_VALIDATION,
  splitRecord,
  splitRows,
  type RowSplit,
  type SplitRecord,
} from '../split.js';
import { chooseMethod, type AutoRecord } from '../auto/choose-method.js';
import { scoreBranch } from '../auto/branch-scores.js';
import { collectSyntheticSets, collectUserSets } from '../auto/validation-sets.js';

/** metadata_props keys the fit adds next to the certainty record (metadata.ts). */
export const FEATURE_METADATA_KEYS = {
  features: 'ood.features',
  parameters: 'ood.method_parameters',
  split: 'ood.split',
  auto: 'ood.auto',
} as const;

export interface FeatureFitRequest {
  data: string;
  image?: ImageOptions;
  batchSize: number;
  /** --features NAME, else the input of the final Gemm/MatMul. */
  features?: string;
  fit?: FeatureFitOptions;
  /** Folder for a large model's temporary copy (enable uses the output's folder). */
  workDir: string;
  /** The graph's opset and used names (auto builds candidate branches against them). */
  opset: number;
  used: ReadonlySet<string>;
  /** --method auto: the user's OOD validation sets (none: synthetic ones). */
  oodValidation?: readonly string[];
  seed?: number;
}

/** A fitted method, ready for enable's score graph, and the rows enable calibrates on. */
export interface FittedFeatureMethod {
  scoreMethod: ScoreMethod;
  features?: FeatureChoice;
  parameters: Record<string, number | string | number[]>;
  /** Extra metadata_props entries, in a stable order. */
  metadata: [string, string][];
  split: RowSplit;
  splitRecord: SplitRecord;
  auto?: AutoRecord;
  /** The collected ID outputs (all rows), for the warnings. */
  sample: FeatureSample;
}

/** `method` undefined means --method auto. */
export async function fitFeatureMethod(
  model: OnnxModel,
  logits: string,
  method: FeatureMethod | undefined,
  request: FeatureFitRequest,
): Promise<FittedFeatureMethod> {
  const features = findFeaturesFor(model, logits, method, request.features);
  // The earlier layer is collected only for what reads it: auto's candidates, or knn asked for it.
  const wantsPrevious = method ? request.fit?.layer === 'previous' : true;
  const previous = wantsPrevious && features?.head ? findPreviousLayer(model, features.name) : undefined;
  const data = await openFeedData(request.data, model.info.graph.inputs, request.batchSize, request.image);
  let sample: FeatureSample;
  try {
    const needed = method ? 4 : 10;
    if (data.count < needed) {
      throw new OodError(
        'DATA_TOO_SMALL',
        `${method?.name ?? '--method auto'} needs at least ${needed} samples (fit and calibration rows are disjoint); the data set has ${data.count}`,
        { hint: 'Pass more in-distribution samples with --data (hundreds or more for a stable fit).' },
      );
    }
    sample = await collectFeatures(model, features?.name, logits, data, request.workDir, previous);
  } finally {
    data.close();
  }
  const seed = request.seed ?? DEFAULT_SPLIT_SEED;
  const fractions = method ? FIT_CALIBRATION : FIT_CALIBRATION_VALIDATION;
  const split = splitRows(sample.predictions, fractions, seed);
  const fit = subsetSample(sample, split.fit);
  const needsHead = method ? method.needsLinearHead === true : true;
  const linearHead =
    needsHead && features?.head
      ? await readLinearHead(model, features.head, features.name, sample.dim, request.workDir).catch((err) => {
          if (method || !isOodError(err)) throw err;
          return undefined; // auto: leave out the candidates that need the head
        })
      : undefined;
  const source = {
    model,
    opset: request.opset,
    used: request.used,
    logits,
    features: features?.name,
    previous,
    head: features?.head,
    workDir: request.workDir,
  };
  const scoreRows = async (m: ScoreMethod, rows: FeatureSample) => (await scoreBranch(source, m, 1, [rows])).scores[0]!;
  const context = features
    ? { features: features.name, logits, head: features.head, linearHead, scoreRows, previousFeatures: previous }
    : undefined;
  let scoreMethod: ScoreMethod;
  let parameters: Record<string, number | string | number[]>;
  let auto: AutoRecord | undefined;
  if (method) {
    const fitted = await method.fit(fit, request.fit ?? {}, context!);
    scoreMethod = asScoreMethod(method, fitted, features!.name);
    parameters = fitted.parameters;
  } else {
    const validationRequest = {
      model,
      features: features?.name,
      previous,
      logits,
      batchSize: request.batchSize,
      image: request.image,
      workDir: request.workDir,
      seed,
    };
    const oodSets = request.oodValidation?.length
      ? await collectUserSets(request.oodValidation, validationRequest)
      : await collectSyntheticSets(request.data, split.validation, sample.predictions, validationRequest);
    const chosen = await chooseMethod(source, fit, subsetSample(sample, split.validation), oodSets, context, seed);
    scoreMethod = chosen.chosen.scoreMethod;
    parameters = chosen.chosen.parameters;
    auto = chosen.record;
  }
  if (features && (method || findsFeatures(scoreMethod.name))) parameters = { ...parameters, features: features.name };
  const record = splitRecord(split, fractions, seed);
  const metadata: [string, string][] = [];
  if (typeof parameters.features === 'string') metadata.push([FEATURE_METADATA_KEYS.features, parameters.features]);
  if (Object.keys(parameters).length > 0) metadata.push([FEATURE_METADATA_KEYS.parameters, JSON.stringify(parameters)]);
  metadata.push([FEATURE_METADATA_KEYS.split, JSON.stringify(record)]);
  if (auto) metadata.push([FEATURE_METADATA_KEYS.auto, JSON.stringify(auto)]);
  return { scoreMethod, features, parameters, metadata, split, splitRecord: record, auto, sample };
}

/** Feature methods read the features; auto only uses them when ood can find them (else: logit candidates). */
function findFeaturesFor(
  model: OnnxModel,
  logits: string,
  method: FeatureMethod | undefined,
  requested: string | undefined,
): FeatureChoice | undefined {
  try {
    return findFeatures(model, logits, requested);
  } catch (err) {
    if (method || requested !== undefined || !isOodError(err)) throw err;
    return undefined;
  }
}

const LOGIT_METHODS = new Set(['energy', 'msp', 'maxlogit', 'gen']);
const findsFeatures = (name: string) => !LOGIT_METHODS.has(name);

/** The recorded parameters of a method, or null when the model has none. */
export function readFeatureParameters(metadata: ReadonlyMap<string, string>): Record<string, unknown> | null {
  const text = metadata.get(FEATURE_METADATA_KEYS.parameters);
  if (!text) return null;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
}
