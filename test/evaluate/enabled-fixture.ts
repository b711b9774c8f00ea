// TEMPORARY until enable lands: an energy-enabled copy of the digits model, built with the ONNX layer's
// encoders (ReduceLogSumExp over the logits, opset 13 attribute form, no normalization).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OnnxModel } from '../../src/onnx/model.js';
import { writeEditedModel } from '../../src/onnx/model-writer.js';
import { encodeFloatInitializer, encodeGraphOutput, encodeMetadataEntry, encodeNode } from '../../src/onnx/encode.js';
import * as F from '../../src/onnx/proto-fields.js';
import { certaintyToMetadata } from '../../src/certainty/metadata.js';

export const DIGITS = new URL('../../examples/digits/', import.meta.url).pathname;

/** Write an enabled digits model into a fresh temp dir and return its path. */
export async function writeEnergyEnabledDigits(): Promise<string> {
  const model = OnnxModel.open(join(DIGITS, 'model.onnx'));
  const out = join(mkdtempSync(join(tmpdir(), 'ood-eval-')), 'enabled.onnx');
  const metadata = certaintyToMetadata({
    enabled: true, oodVersion: 'test', method: 'energy', temperature: 1, logits: 'logits', output: 'ood_scores',
    outputType: 'FP32', outputShape: ['batch', 1], normalization: 'none', calibration: null,
  });
  await writeEditedModel(model, {
    appendGraph: [
      encodeNode({ opType: 'ReduceLogSumExp', inputs: ['logits'], outputs: ['ood_scores'], name: 'ood/energy', attributes: { axes: { ints: [1] }, keepdims: { int: 1 } } }),
      encodeGraphOutput('ood_scores', 1, ['batch', 1]),
    ],
    appendTop: metadata.map(([k, v]) => encodeMetadataEntry(k, v)),
  }, out);
  model.close();
  return out;
}

/** The plain digits model with classifier.bias shifted by 1 on class 0: same signature, other logits. */
export async function writeDigitsWithShiftedBias(): Promise<string> {
  const model = OnnxModel.open(join(DIGITS, 'model.onnx'));
  const out = join(mkdtempSync(join(tmpdir(), 'ood-eval-')), 'shifted.onnx');
  const index = model.info.graph.initializers.findIndex((t) => t.name === 'classifier.bias');
  const field = model.layout.graphFields.filter((f) => f.field === F.Graph.initializer)[index]!;
  await writeEditedModel(model, {
    dropGraph: (f) => f.start === field.start,
    appendGraph: [encodeFloatInitializer('classifier.bias', [8], [1, 0, 0, 0, 0, 0, 0, 0])],
  }, out);
  model.close();
  return out;
}
