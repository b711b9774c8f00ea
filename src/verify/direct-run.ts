// The reference for `ood verify`: the artifact's model run directly in this process with onnxruntime-node, and
// the certainty settings the artifact declares.
import * as ort from 'onnxruntime-node';
import type { RuntimeYaml } from '../artifact/spec.js';
import type { NamedTensor } from '../tensor/tensor.js';
import { fromOrtTensor, toOrtTensor } from '../tensor/ort-tensor.js';
import { dropTelemetryLogs } from '../io/onnxruntime-litter.js';

/** Run the model once on these inputs, bypassing score.mjs and the server. */
export async function runDirect(modelPath: string, inputs: readonly NamedTensor[]): Promise<NamedTensor[]> {
  const session = await ort.InferenceSession.create(modelPath);
  await dropTelemetryLogs();
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const t of inputs) feeds[t.name] = toOrtTensor(t, t.name);
    const results = await session.run(feeds);
    return Object.entries(results).map(([name, t]) => fromOrtTensor(name, t));
  } finally {
    await session.release();
  }
}

/** Certainty as the artifact's (validated) runtime.yaml declares it; none without a runtime.yaml. */
export function runtimeCertainty(runtime: RuntimeYaml | null): {
  enabled: boolean;
  output: string;
  normalization: string;
} {
  const c = runtime?.CERTAINTY;
  return { enabled: c?.ENABLED === true, output: c?.OUTPUT ?? 'ood_scores', normalization: c?.NORMALIZATION ?? 'none' };
}
