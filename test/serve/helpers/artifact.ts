// Directory artifacts for the serve tests, written the way artifact format 1.0 (src/artifact/spec.ts) lays them
// out: the model, both I/O schemas, runtime.yaml, a score.mjs (the real template once it exists) and a
// manifest.json that lists them all, so that the admission gate lets them through.
import { copyFile, mkdtemp, writeFile, access } from 'node:fs/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { OnnxModel } from '../../../src/onnx/model.js';
import { buildIoSchemas, toJsonText } from '../../../src/artifact/io-schema.js';
import { buildRuntime } from '../../../src/artifact/runtime-yaml.js';
import { digestFile } from '../../../src/artifact/file-digest.js';
import { sealArtifact } from '../../helpers/seal-artifact.js';

export { sealArtifact };

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const DIGITS = join(ROOT, 'examples/digits/model.onnx');
export const passthrough = (dtype: string) => join(ROOT, 'test/fixtures/models/passthrough', `${dtype}.onnx`);

// One temporary root per test process, removed when the process exits.
const TEMP_ROOT = mkdtempSync(join(tmpdir(), 'ood-serve-test-'));
process.on('exit', () => rmSync(TEMP_ROOT, { recursive: true, force: true }));

async function scoreTemplate(): Promise<string> {
  const real = join(ROOT, 'templates/score.mjs');
  return access(real).then(
    () => real,
    () => join(ROOT, 'test/serve/fixtures/score.mjs'),
  );
}

/** Write a directory artifact for `modelPath` and return its path. */
export async function makeArtifact(
  modelPath: string,
  options: {
    name?: string;
    score?: string;
    /** The template's score.mjs beside `score`, as ./real-score.mjs, for a score.mjs that wraps it. */
    wrapsTemplate?: boolean;
    sample?: string;
    certainty?: Record<string, unknown>;
  } = {},
): Promise<string> {
  const dir = await mkdtemp(join(TEMP_ROOT, 'artifact-'));
  await copyFile(modelPath, join(dir, 'model.onnx'));
  const model = OnnxModel.open(modelPath);
  const { input, output } = buildIoSchemas(model);
  await writeFile(join(dir, 'input_schema.json'), toJsonText(input));
  await writeFile(join(dir, 'output_schema.json'), toJsonText(output));
  // A runtime.yaml valid against its schema (the server validates it), made by prepare's own builder.
  const digest = await digestFile(modelPath);
  const runtime = {
    ...buildRuntime({
      model,
      name: options.name ?? 'model',
      version: '1',
      ...digest,
      createdAt: new Date('2026-01-02T03:04:05Z'),
      trainingCode: { GIT_REMOTE: null, GIT_COMMIT: null, GIT_BRANCH: null, GIT_DIRTY: null, TRAINING_SCRIPT: null },
    }),
    CERTAINTY: options.certainty ?? { ENABLED: false },
  };
  model.close();
  await writeFile(join(dir, 'runtime.yaml'), stringify(runtime));
  if (options.score !== undefined) await writeFile(join(dir, 'score.mjs'), options.score);
  else await copyFile(await scoreTemplate(), join(dir, 'score.mjs'));
  if (options.wrapsTemplate) await copyFile(await scoreTemplate(), join(dir, 'real-score.mjs'));
  if (options.sample) await copyFile(options.sample, join(dir, 'sample.json'));
  await sealArtifact(dir);
  return dir;
}
