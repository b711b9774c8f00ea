// What the installed onnxruntime-node can run. The JS binding cannot be asked for its opset range, so the range
// of the version ood ships with is written down here (measured against onnxruntime-node 1.30: opset 26 and IR 13
// load; opset 27 and IR 14 are refused; below opset 7 is "legacy, not guaranteed").
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Supported opset versions per domain ('' and 'ai.onnx' are the default domain). */
export const SUPPORTED_OPSETS: Readonly<Record<string, readonly [number, number]>> = Object.freeze({
  'ai.onnx': [7, 26],
  'ai.onnx.ml': [1, 5],
  'com.microsoft': [1, 1],
  'ai.onnx.preview.training': [1, 1],
});

/** Highest ONNX IR version onnxruntime-node 1.30 loads. */
export const MAX_IR_VERSION = 13;

let cached: string | undefined;

/** The version of the onnxruntime-node package that ood resolves, read from its package.json. */
export function installedOnnxruntimeVersion(): string {
  if (cached) return cached;
  let dir = dirname(createRequire(import.meta.url).resolve('onnxruntime-node'));
  for (let i = 0; i < 6; i++, dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'onnxruntime-node' && pkg.version) return (cached = pkg.version);
    } catch {
      // keep walking up
    }
  }
  return (cached = '0.0.0');
}

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
