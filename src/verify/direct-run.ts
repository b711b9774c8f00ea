// The reference for `ood verify`: the artifact's model run directly in this process with onnxruntime-node, and
// the certainty settings the artifact declares.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { parse as parseYaml } from 'yaml';
import { ARTIFACT_FILES, type RuntimeYaml } from '../artifact/spec.js';
import type { NamedTensor } from '../tensor/tensor.js';
import { fromOrtTensor, toOrtTensor } from '../tensor/ort-tensor.js';

/** Run the model once on these inputs, bypassing score.mjs and the server. */
export async function runDirect(modelPath: string, inputs: readonly NamedTensor[]): Promise<NamedTensor[]> {
  const session = await ort.InferenceSession.create(modelPath);
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const t of inputs) feeds[t.name] = toOrtTensor(t, t.name);
    const results = await session.run(feeds);
    return Object.entries(results).map(([name, t]) => fromOrtTensor(name, t));
  } finally {
    await session.release();
  }
}

/** Certainty as runtime.yaml declares it (artifact format 1.0). */
export async function readRuntimeCertainty(
  dir: string,
): Promise<{ enabled: boolean; output: string; normalization: string }> {
  const text = await readFile(join(dir, ARTIFACT_FILES.runtime), 'utf8').catch(() => '');
  const c = (text ? (parseYaml(text) as RuntimeYaml) : null)?.CERTAINTY;
  return { enabled: c?.ENABLED === true, output: c?.OUTPUT ?? 'ood_scores', normalization: c?.NORMALIZATION ?? 'none' };
}
