// Runs test/deploy/triton_config_check.py: protoc + protobuf text_format parse config.pbtxt, onnx checks it
// against the graph. Needs protoc (protobuf-compiler) and python3-protobuf; CI fails without them.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { missingPython, runPython } from './python.js';
import { repoRoot } from './fixtures.js';

const SCRIPT = join(repoRoot, 'test', 'deploy', 'triton_config_check.py');
const PROTO = join(repoRoot, 'test', 'deploy', 'fixtures', 'model_config_subset.proto');

/** True when the check cannot run here (outside CI); throws in CI. */
export function missingProtobuf(): boolean {
  if (!existsSync('/usr/bin/protoc')) {
    if (process.env.CI === 'true') throw new Error('/usr/bin/protoc is missing: apt-get install protobuf-compiler');
    console.warn('[skip] protoc is missing: the Triton config tests are skipped');
    return true;
  }
  return missingPython('google.protobuf', 'onnx');
}

/** The parsed config (protobuf JSON mapping) of MODEL_DIR, after the Python checks passed. */
export async function checkTritonModel(modelDir: string, version: number): Promise<Record<string, unknown>> {
  const r = await runPython(SCRIPT, [PROTO, modelDir, String(version)]);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}
