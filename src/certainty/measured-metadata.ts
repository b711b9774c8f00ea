// Readers of what `ood enable` measured and recorded in the model's metadata_props (certainty/enable-measure.ts
// writes them). Kept apart from the measuring code so that runtime.yaml, the schemas and the server can read the
// record without importing calibration, and with it onnxruntime-node's native binding (a server on a base image
// without librt must still start and answer 513 naming the missing library).
import type { ThresholdRecord } from './threshold.js';
import type { PreprocessingRecord } from './preprocessing.js';

/** metadata_props keys of what enable measured (read by serve for the OOD-rate metric: ood.threshold). */
export const MEASURED_METADATA_KEYS = {
  threshold: 'ood.threshold',
  warnings: 'ood.warnings',
  preprocessing: 'ood.preprocessing',
} as const;

/** The recorded threshold of an enabled model (ood.threshold), or null when it has none. */
export function readThreshold(metadata: ReadonlyMap<string, string>): ThresholdRecord | null {
  try {
    const t = JSON.parse(metadata.get(MEASURED_METADATA_KEYS.threshold) ?? 'null') as ThresholdRecord | null;
    return t && typeof t.score === 'number' ? t : null;
  } catch {
    return null;
  }
}

/** The recorded preprocessing (ood.preprocessing), or null. */
export function readPreprocessing(metadata: ReadonlyMap<string, string>): PreprocessingRecord | null {
  try {
    const p = JSON.parse(metadata.get(MEASURED_METADATA_KEYS.preprocessing) ?? 'null') as PreprocessingRecord | null;
    return p && typeof p.source === 'string' ? p : null;
  } catch {
    return null;
  }
}
