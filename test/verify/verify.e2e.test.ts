// `ood verify` through the built CLI on artifacts made by `ood prepare` (buildArtifact), one of them with a
// certainty-enabled model, and one whose score.mjs tampers with the outputs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdtemp, writeFile, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildArtifact } from '../../src/artifact/build-artifact.js';
import { enableModel } from '../../src/certainty/enable.js';
import { DIGITS, ROOT } from '../serve/helpers/artifact.js';
import { sealArtifact } from '../helpers/seal-artifact.js';

const CLI = join(ROOT, 'dist/src/cli/main.js');
const SAMPLE = join(ROOT, 'examples/digits/sample.json');
let work: string;
let enabledZip: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ood-verify-test-'));
  const enabled = join(work, 'enabled.onnx');
  await enableModel({ model: DIGITS, output: enabled, data: join(ROOT, 'examples/digits/data/calibration.npy') });
  enabledZip = join(work, 'digits-enabled.zip');
  await buildArtifact({ model: enabled, output: enabledZip, sample: SAMPLE, name: 'digits', version: '2' });
});

afterAll(async () => rm(work, { recursive: true, force: true }));

const verify = (...args: string[]) =>
  execa(process.execPath, [CLI, 'verify', ...args, '--port', '0'], { reject: false, timeout: 120_000 });

describe('ood verify', () => {
  it('passes every check on a prepared, certainty-enabled digits zip and exits 0', async () => {
    const result = await verify(enabledZip, '--json');
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout);
    expect(report.checks.filter((c: { passed: boolean }) => !c.passed)).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(report.model).toBe('digits');
    const names = report.checks.map((c: { name: string }) => c.name);
    expect(names).toEqual([
      'introspect fails no check',
      'server starts and /health is 200',
      '/predict answers the sample',
      '/predict matches output_schema.json',
      '/predict outputs identical to direct onnxruntime',
      'ood_scores lie in [0, 1] when normalized',
      '/v2/models/digits/infer answers the sample',
      '/v2/models/digits/infer matches output_schema.json',
      '/v2/models/digits/infer outputs identical to direct onnxruntime',
      'malformed JSON gets a clean 4xx',
      'all-NaN request gets a clean answer',
      'zero-sized batch gets a clean answer',
      '/health is still 200 after the bad requests',
      'server stops cleanly',
    ]);
    expect(report.checks[0].detail).toMatch(/^passed \d+, warning \d+, skipped \d+$/);
    expect(report.checks[4].detail).toContain('logits, ood_scores identical');
  });

  it('prints a table and accepts --data for a plain prepared directory', async () => {
    const dir = join(work, 'plain');
    await buildArtifact({ model: DIGITS, dir, name: 'digits-plain' });
    const data = join(work, 'two-rows.json');
    const sample = JSON.parse(await readFile(SAMPLE, 'utf8'));
    sample.inputs[0].shape[0] = 2;
    sample.inputs[0].data = sample.inputs[0].data.slice(0, 128);
    await writeFile(data, JSON.stringify(sample));
    const result = await verify(dir, '--data', data);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^RESULT\s+CHECK\s+DETAIL/);
    expect(result.stdout).toContain('PASS    /predict outputs identical to direct onnxruntime');
    expect(result.stdout).toMatch(/digits-plain .*: all 14 checks passed/);
  });

  it('fails with exit code 4, and says why, when the model cannot load', async () => {
    const dir = join(work, 'broken');
    await buildArtifact({ model: DIGITS, dir, sample: SAMPLE, name: 'digits' });
    await writeFile(join(dir, 'model.onnx'), 'not a model');
    await sealArtifact(dir); // past the admission gate: the defect under test is onnxruntime's, not the digest
    const result = await verify(dir, '--json');
    expect(result.exitCode).toBe(4);
    const report = JSON.parse(result.stdout);
    // introspect's verdict first, in its own words; then what the server did with it.
    expect(report.checks[0]).toMatchObject({ name: 'introspect: model.format', passed: false });
    expect(report.checks[0].detail).toMatch(/^model\.onnx is not a usable ONNX model: /);
    expect(report.checks[1]).toMatchObject({ name: 'server starts and /health is 200', passed: false });
    expect(report.checks[1].detail).toMatch(/^GET \/health: 513 .*failed to load/);
    expect(report.checks.at(-1)).toMatchObject({ name: 'server stops cleanly', passed: true });
  });

  it("fails with exit code 4, naming introspect's check, for an artifact whose labels do not count the classes", async () => {
    // It serves and answers well; only introspect knows it is not fit to deploy (it used to say "all 13 passed").
    const result = await verify(join(ROOT, 'test/fixtures/broken/labels-count-mismatch.zip'), '--json');
    expect(result.exitCode).toBe(4);
    const report = JSON.parse(result.stdout);
    const failed = report.checks.filter((c: { passed: boolean }) => !c.passed);
    expect(failed).toEqual([
      {
        name: 'introspect: schemas.labels',
        passed: false,
        detail:
          "the labels do not name the classifier output's classes: labels.txt has 4 labels but output logits has 5 classes",
      },
    ]);
    expect(report.checks.find((c: { name: string }) => c.name === '/predict answers the sample').passed).toBe(true);
  });

  it('fails with exit code 4 when the served outputs differ from the model', async () => {
    const dir = join(work, 'tampered');
    const score = join(work, 'tampered-score.mjs');
    const template = await readFile(join(ROOT, 'templates/score.mjs'), 'utf8');
    await writeFile(
      score,
      template.replace(
        /export function postprocess\(response, model\) \{\n {2}void model;\n {2}return response;\n\}/,
        'export function postprocess(response) {\n  for (const o of response.outputs) if (o.name === "logits") o.data = o.data.map((v) => v + 1);\n  return response;\n}',
      ),
    );
    await buildArtifact({ model: DIGITS, dir, sample: SAMPLE, score, name: 'digits' });
    const result = await verify(dir, '--json');
    expect(result.exitCode).toBe(4);
    const report = JSON.parse(result.stdout);
    const failed = report.checks.filter((c: { passed: boolean }) => !c.passed).map((c: { name: string }) => c.name);
    expect(failed).toEqual([
      '/predict outputs identical to direct onnxruntime',
      '/v2/models/digits/infer outputs identical to direct onnxruntime',
    ]);
    expect(report.checks[4].detail).toMatch(/"logits": 32 of 32 elements differ/);
  });
});
