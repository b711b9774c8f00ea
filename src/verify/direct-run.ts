// The reference for `ood verify`: the artifact's model run directly in this process with onnxruntime-node, and
// the certainty settings the artifact declares.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { parse as parseYaml } from 'yaml';
import { ARTIFACT_FILES, type NamedTensor, type RuntimeYaml } from '../artifact/spec.js';
import { dataTypeFromOrt, dataTypeFromV2 } from '../onnx/dtypes.js';

/** Run the model once on these inputs, bypassing score.mjs and the server. */
export async function runDirect(modelPath: string, inputs: readonly NamedTensor[]): Promise<NamedTensor[]> {
  const session = await ort.InferenceSession.create(modelPath);
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const t of inputs) {
      const type = dataTypeFromV2(t.datatype)?.ort as ort.Tensor.Type;
      feeds[t.name] = new ort.Tensor(type, t.data as never, t.shape);
    }
    const results = await session.run(feeds);
    return Object.entries(results).map(([name, t]) => ({
      name,
      datatype: dataTypeFromOrt(t.type)?.v2 ?? t.type,
      shape: [...t.dims],
      data: t.data as NamedTensor['data'],
    }));
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
