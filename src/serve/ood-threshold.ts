// The default --ood-threshold: the calibrated threshold `ood enable` recorded for the model, when it recorded
// one (runtime.yaml's CERTAINTY block, or the model's metadata_props), so that /metrics counts the share of
// rows that the model's own calibration would reject. Nothing recorded: no OOD counter until the flag sets one.
import { join } from 'node:path';
import { ARTIFACT_FILES } from '../artifact/spec.js';
import { OnnxModel } from '../onnx/model.js';
import type { ModelDescription } from './served-model.js';

/** Metadata keys a recorded rejection threshold may use (the first present wins). */
export const THRESHOLD_KEYS = ['ood.threshold', 'ood.rejection_threshold'] as const;

function finite(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

/** The recorded threshold, or undefined. Never throws: an unreadable model simply has none. */
export async function recordedOodThreshold(dir: string, description: ModelDescription): Promise<number | undefined> {
  const certainty = description.runtime?.CERTAINTY as Record<string, unknown> | undefined;
  if (certainty && certainty.ENABLED !== true) return undefined;
  const fromRuntime = finite(certainty?.THRESHOLD);
  if (fromRuntime !== undefined) return fromRuntime;
  try {
    const metadata = OnnxModel.open(join(dir, ARTIFACT_FILES.model)).metadataMap;
    for (const key of THRESHOLD_KEYS) {
      const value = finite(metadata.get(key));
      if (value !== undefined) return value;
    }
  } catch {
    // no readable model: no recorded threshold
  }
  return undefined;
}
