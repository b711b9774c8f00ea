import { describe, expect, it } from 'vitest';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { fixtures, repoRoot } from '../helpers/fixtures.js';
import { readZipFiles } from './zip-reader.js';
import { manifestProblems, tempDir } from './artifact-helpers.js';

const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
const ood = (args: string[], env: Record<string, string> = {}) => execa('node', [cli, ...args], { reject: false, env });

describe('ood prepare (built CLI)', () => {
  it('prepares the example into a zip, prints the build result as --json and exits 0', async () => {
    const out = join(await tempDir(), 'digits.zip');
    const r = await ood(['prepare', fixtures.digits.model, '-o', out, '--sample', fixtures.digits.sample, '--json'], {
      SOURCE_DATE_EPOCH: '1700000000',
    });
    expect(r.exitCode).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ format: 'zip', path: out, artifact_version: '1.0', model: { name: 'model' } });
    expect(result.files.map((f: { path: string }) => f.path)).toContain('sample.json');
    expect(['ran', 'not-run']).toContain(result.introspection.status);
    expect(manifestProblems(await readZipFiles(out))).toEqual([]);
  });

  it('writes an unpacked directory with --dir and prints a readable summary', async () => {
    const dir = join(await tempDir(), 'art');
    const r = await ood([
      'prepare',
      fixtures.multiIo,
      '--dir',
      dir,
      '--name',
      'multi',
      '--model-version',
      '2.0.0',
      '--execution-provider',
      'cuda',
    ]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`Prepared directory artifact ${dir}`);
    expect(r.stdout).toContain('Model multi 2.0.0');
    expect(await readFile(join(dir, 'runtime.yaml'), 'utf8')).toMatch(/EXECUTION_PROVIDER: cuda/);
    expect((await readdir(dir)).sort()).toEqual([
      'input_schema.json',
      'manifest.json',
      'model.onnx',
      'output_schema.json',
      'runtime.yaml',
      'score.mjs',
      'start_server.sh',
    ]);
    expect((await stat(join(dir, 'start_server.sh'))).mode & 0o777).toBe(0o755);
  });

  it('exits 3 with Error and Hint lines, and no stack trace, for a file that is not ONNX', async () => {
    const root = await tempDir();
    const r = await ood(['prepare', fixtures.broken.notOnnx, '-o', join(root, 'a.zip')]);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/^Error: .*is not an ONNX model/m);
    expect(r.stderr).toMatch(/^Hint: /m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(await readdir(root)).toEqual([]);
  });

  it('exits 3 and names the input for a sample that does not match the graph', async () => {
    const root = await tempDir();
    const sample = join(root, 's.json');
    await writeFile(
      sample,
      JSON.stringify({ inputs: [{ name: 'image', datatype: 'INT64', shape: [1, 1, 8, 8], data: Array(64).fill(0) }] }),
    );
    const r = await ood(['prepare', fixtures.digits.model, '-o', join(root, 'a.zip'), '--sample', sample, '--json']);
    expect(r.exitCode).toBe(3);
    const { error } = JSON.parse(r.stderr);
    expect(error.code).toBe('SAMPLE_MISMATCH');
    expect(error.message).toContain('("image").datatype');
  });

  it('exits 2 when the output exists and --force is missing, and 0 with --force', async () => {
    const out = join(await tempDir(), 'a.zip');
    await writeFile(out, 'x');
    const refused = await ood(['prepare', fixtures.multiIo, '-o', out]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('--force');
    expect((await ood(['prepare', fixtures.multiIo, '-o', out, '--force'])).exitCode).toBe(0);
  });

  it('exits 2 when no output is named', async () => {
    const r = await ood(['prepare', fixtures.multiIo]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('-o ARTIFACT.zip or --dir DIR');
  });
});

describe('ood prepare with a broken custom entrypoint', () => {
  it('still writes the artifact, shows the failed introspection check and exits 4', async () => {
    const root = await tempDir();
    const score = join(root, 'score.mjs');
    await writeFile(score, 'export async function load() { return {}; }\n');
    const out = join(root, 'a.zip');
    const r = await ood(['prepare', fixtures.multiIo, '-o', out, '--score', score]);
    expect(r.exitCode).toBe(4);
    expect(r.stdout).toMatch(/Introspection: FAILED/);
    expect(r.stdout).toMatch(/FAILED score\.exports/);
    expect((await readZipFiles(out)).get('score.mjs')!.toString()).toContain('load');
  });
});

describe('ood prepare provenance', () => {
  it('prepares a model from outside any git repository with a provenance WARNING and exit 0', async () => {
    const root = await tempDir('ood-hub-model-');
    const model = join(root, 'downloaded.onnx');
    await writeFile(model, await readFile(fixtures.digits.model));
    const out = join(root, 'a.zip');
    const r = await ood(['prepare', model, '-o', out]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/WARNING provenance\.commit/);
    const strict = await ood(['prepare', model, '-o', out, '--force', '--require-provenance']);
    expect(strict.exitCode).toBe(4);
    expect(strict.stdout).toMatch(/FAILED provenance\.commit/);
  });

  it('refuses a --training-script that does not exist, before writing anything', async () => {
    const out = join(await tempDir(), 'a.zip');
    const r = await ood(['prepare', fixtures.digits.model, '-o', out, '--training-script', 'no/such/train.py']);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain('Error: --training-script is not a file: no/such/train.py');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    await expect(readFile(out)).rejects.toThrow();
  });
});
