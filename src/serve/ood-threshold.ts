// The default --ood-threshold: the calibrated threshold `ood enable` recorded for the model, when it recorded
// one (runtime.yaml's CERTAINTY block, or the model's metadata_props), so that /metrics counts the share of
// rows that the model's own calibration would reject. Nothing recorded: no OOD counter until the flag sets one.
import { join } from 'node:path';
import { ARTIFACT_FILES } from '../artifact/spec.js';
import { OnnxModel } from '../onnx/model.js';
import type { ModelDescription } from './served-model.js';

/** The metadata key `ood enable` records its 5%-rejection threshold under (JSON: {idRejection, score, ...}). */
export const THRESHOLD_KEY = 'ood.threshold';

function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** A recorded threshold in any of its forms: a number, {score} / {SCORE}, or their JSON text. */
export function thresholdScore(value: unknown): number | undefined {
  if (typeof value === 'string') {
    try {
      return thresholdScore(JSON.parse(value));
    } catch {
      return undefined;
    }
  }
  if (typeof value === 'object' && value !== null) {
    const record = value as { score?: unknown; SCORE?: unknown };
    return finite(record.score ?? record.SCORE);
  }
  return finite(value);
}

/** The recorded threshold, or undefined. Never throws: an unreadable model simply has none. */
export async function recordedOodThreshold(dir: string, description: ModelDescription): Promise<number | undefined> {
  const certainty = description.runtime?.CERTAINTY as Record<string, unknown> | undefined;
  if (certainty && certainty.ENABLED !== true) return undefined;
  const fromRuntime = thresholdScore(certainty?.THRESHOLD);
  if (fromRuntime !== undefined) return fromRuntime;
  try {
    const model = OnnxModel.open(join(dir, ARTIFACT_FILES.model));
    const value = thresholdScore(model.metadataMap.get(THRESHOLD_KEY));
    model.close();
    return value;
  } catch {
    // no readable model: no recorded threshold
  }
  return undefined;
}
