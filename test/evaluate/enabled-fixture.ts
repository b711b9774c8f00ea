// Enabled digits models for the evaluate tests, made by the real `enableModel`, plus a model whose logits
// differ from the digits model's (to prove the output check can fail).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { enableModel } from '../../src/certainty/enable.js';
import { OnnxModel } from '../../src/onnx/model.js';
import { writeEditedModel } from '../../src/onnx/model-writer.js';
import { encodeFloatInitializer } from '../../src/onnx/encode.js';
import * as F from '../../src/onnx/proto-fields.js';

export const DIGITS = new URL('../../examples/digits/', import.meta.url).pathname;
export const digitsData = (name: string): string => join(DIGITS, 'data', name);

/** The digits model enabled with `method`, calibrated on the training split; returns the path. */
export async function writeEnabledDigits(method = 'energy', extra: Record<string, unknown> = {}): Promise<string> {
  const out = join(mkdtempSync(join(tmpdir(), 'ood-eval-')), `${method}.onnx`);
  await enableModel({
    model: join(DIGITS, 'model.onnx'),
    output: out,
    method,
    data: digitsData('id_train.npy'),
    ...extra,
  });
  return out;
}

/** The plain digits model with classifier.bias replaced: same signature, other logits. */
export async function writeDigitsWithShiftedBias(): Promise<string> {
  const model = OnnxModel.open(join(DIGITS, 'model.onnx'));
  const out = join(mkdtempSync(join(tmpdir(), 'ood-eval-')), 'shifted.onnx');
  const index = model.info.graph.initializers.findIndex((t) => t.name === 'classifier.bias');
  const field = model.layout.graphFields.filter((f) => f.field === F.Graph.initializer)[index]!;
  await writeEditedModel(
    model,
    {
      dropGraph: (f) => f.start === field.start,
      appendGraph: [encodeFloatInitializer('classifier.bias', [8], [1, 0, 0, 0, 0, 0, 0, 0])],
    },
    out,
  );
  model.close();
  return out;
}
