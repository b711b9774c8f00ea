// What the installed onnxruntime-node can run. The JS binding cannot be asked for its opset range, so the range
// of the version ood ships with is written down here (measured against onnxruntime-node 1.30: opset 26 and IR 13
// load; opset 27 and IR 14 are refused; below opset 7 is "legacy, not guaranteed").
import { onnxruntimeVersion } from '../artifact/runtime-yaml.js';

/** Supported opset versions per domain ('' and 'ai.onnx' are the default domain). */
export const SUPPORTED_OPSETS: Readonly<Record<string, readonly [number, number]>> = Object.freeze({
  'ai.onnx': [7, 26],
  'ai.onnx.ml': [1, 5],
  'com.microsoft': [1, 1],
  'ai.onnx.preview.training': [1, 1],
});

/** Highest ONNX IR version onnxruntime-node 1.30 loads. */
export const MAX_IR_VERSION = 13;

/** The version of the onnxruntime-node package that ood resolves: the one checks compare an artifact against. */
export const installedOnnxruntimeVersion = onnxruntimeVersion;

/** Problems with a model's opset imports and IR version; empty when onnxruntime-node supports them. */
export function opsetProblems(irVersion: number, opsets: readonly { domain: string; version: number }[]): string[] {
  const problems: string[] = [];
  if (irVersion > MAX_IR_VERSION)
    problems.push(`IR version ${irVersion} is newer than the ${MAX_IR_VERSION} onnxruntime-node supports`);
  if (irVersion < 3) problems.push(`IR version ${irVersion} is older than onnxruntime-node supports (3)`);
  for (const { domain, version } of opsets) {
    const name = domain === '' ? 'ai.onnx' : domain;
    const range = SUPPORTED_OPSETS[name];
    if (!range) problems.push(`opset domain ${name} is not implemented by onnxruntime-node (custom operators?)`);
    else if (version < range[0] || version > range[1]) {
      problems.push(`${name} opset ${version} is outside the supported range ${range[0]}-${range[1]}`);
    }
  }
  return problems;
}
