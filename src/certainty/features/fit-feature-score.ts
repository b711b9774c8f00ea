// The fitting step of feature-space methods in `ood enable`: find the penultimate features, collect them over
// the calibration data with the model's own predictions, fit the method, and hand enable a ScoreMethod that
// reads the features. Its parameters are recorded as ood.features / ood.method_parameters metadata.
import { OodError } from '../../errors.js';
import type { OnnxModel } from '../../onnx/model.js';
import type { ImageOptions } from '../data/images.js';
import { openFeedData } from '../data/feed-data.js';
import type { ScoreMethod } from '../methods/method.js';
import { asScoreMethod, type FeatureFitOptions, type FeatureMethod } from '../methods/feature-method.js';
import { collectFeatures } from './collect-features.js';
import { findFeatures, type FeatureChoice } from './find-features.js';
import { readLinearHead } from './linear-head.js';

/** metadata_props keys feature methods add next to the certainty record (metadata.ts). */
export const FEATURE_METADATA_KEYS = { features: 'ood.features', parameters: 'ood.method_parameters' } as const;

export interface FeatureFitRequest {
  data: string;
  image?: ImageOptions;
  batchSize: number;
  /** --features NAME, else the input of the final Gemm/MatMul. */
  features?: string;
  fit?: FeatureFitOptions;
  /** Folder for a large model's temporary copy (enable uses the output's folder). */
  workDir: string;
}

/** A fitted feature method, ready for enable's score graph. */
export interface FittedFeatureMethod {
  scoreMethod: ScoreMethod;
  features: FeatureChoice;
  parameters: Record<string, number | string | number[]>;
  /** Extra metadata_props entries, in a stable order. */
  metadata: [string, string][];
}

/** Fit `method` on `request.data` for the model whose logits output is `logits`. */
export async function fitFeatureMethod(
  model: OnnxModel,
  logits: string,
  method: FeatureMethod,
  request: FeatureFitRequest,
): Promise<FittedFeatureMethod> {
  const features = findFeatures(model, logits, request.features);
  const data = await openFeedData(request.data, model.info.graph.inputs, request.batchSize, request.image);
  try {
    if (data.count < 2) {
      throw new OodError(
        'DATA_TOO_SMALL',
        `${method.name} needs at least 2 calibration samples; the data set has ${data.count}`,
        {
          hint: 'Pass more in-distribution samples with --data (hundreds or more for a stable fit).',
        },
      );
    }
    const sample = await collectFeatures(model, features.name, logits, data, request.workDir);
    const linearHead =
      method.needsLinearHead && features.head
        ? await readLinearHead(model, features.head, features.name, sample.dim, request.workDir)
        : undefined;
    const fitted = method.fit(sample, request.fit ?? {}, {
      features: features.name,
      logits,
      head: features.head,
      linearHead,
    });
    const parameters = { ...fitted.parameters, features: features.name };
    return {
      scoreMethod: asScoreMethod(method, fitted, features.name),
      features,
      parameters,
      metadata: [
        [FEATURE_METADATA_KEYS.features, features.name],
        [FEATURE_METADATA_KEYS.parameters, JSON.stringify(parameters)],
      ],
    };
  } finally {
    data.close();
  }
}

/** The recorded parameters of a feature method, or null when the model has none. */
export function readFeatureParameters(metadata: ReadonlyMap<string, string>): Record<string, unknown> | null {
  const text = metadata.get(FEATURE_METADATA_KEYS.parameters);
  if (!text) return null;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
}
