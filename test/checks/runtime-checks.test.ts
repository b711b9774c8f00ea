import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { extractArchive } from '../../src/artifact/archive-extract.js';
import { runChecks } from '../../src/checks/run-checks.js';
import { installedOnnxruntimeVersion } from '../../src/checks/onnxruntime-support.js';
import { repoRoot } from '../helpers/fixtures.js';

// Version judgements and directory artifacts. Each case is the good artifact unpacked, with one change.
let temp: string;
beforeAll(async () => {
  temp = await mkdtemp(join(tmpdir(), 'ood-runtime-checks-'));
});
afterAll(async () => {
  await rm(temp, { recursive: true, force: true });
});

async function goodDir(): Promise<string> {
  const dir = await mkdtemp(join(temp, 'a-'));
  await extractArchive(join(repoRoot, 'test', 'fixtures', 'broken', 'good.zip'), dir);
  return dir;
}

async function withRuntime(edit: (r: any) => void, only: string[]) {
  const dir = await goodDir();
  const r = parse(await readFile(join(dir, 'runtime.yaml'), 'utf8'));
  edit(r);
  await writeFile(join(dir, 'runtime.yaml'), stringify(r));
  const report = await runChecks(dir, { only });
  return report.checks.find((c) => c.key === only[only.length - 1])!;
}

const ortVersion = (r: any, v: string) => (r.MODEL_DEPLOYMENT.INFERENCE_RUNTIME.ONNXRUNTIME_NODE_VERSION = v);
const nodeRange = (r: any, v: string) => (r.MODEL_DEPLOYMENT.INFERENCE_RUNTIME.NODE_VERSION = v);

describe('runtime.onnxruntime', () => {
  const [major, minor] = installedOnnxruntimeVersion().split('.').map(Number) as [number, number];

  it('passes an artifact prepared with an older minor of the same major', async () => {
    const c = await withRuntime((r) => ortVersion(r, `${major}.${Math.max(0, minor - 1)}.0`), ['runtime.onnxruntime']);
    expect(c.result).toBe('PASSED');
  });

  it('warns (does not fail) when the artifact was prepared with a newer minor than installed', async () => {
    const c = await withRuntime((r) => ortVersion(r, `${major}.${minor + 1}.0`), ['runtime.onnxruntime']);
    expect(c.result).toBe('WARNING');
    expect(c.hint).toBeTruthy();
  });

  it('fails on a different major version', async () => {
    const c = await withRuntime((r) => ortVersion(r, `${major + 1}.0.0`), ['runtime.onnxruntime']);
    expect(c.result).toBe('FAILED');
    expect(c.message).toContain('different major version');
  });
});

describe('runtime.node', () => {
  it('accepts any valid range the installed Node satisfies, not just one spelling', async () => {
    const major = Number(process.versions.node.split('.')[0]);
    for (const range of [`>=${major}`, `^${major}.0.0`, `${major - 2} - ${major + 1}`, `>=18 <${major + 1}`]) {
      expect((await withRuntime((r) => nodeRange(r, range), ['runtime.node'])).result, range).toBe('PASSED');
    }
  });

  it('fails a range that is not semver', async () => {
    const c = await withRuntime((r) => nodeRange(r, 'node twenty'), ['runtime.node']);
    expect(c.result).toBe('FAILED');
    expect(c.message).toContain('not a semver range');
  });
});

describe('runtime.consistency', () => {
  it('fails when the recorded opsets differ from the model', async () => {
    const c = await withRuntime((r) => (r.MODEL_DETAILS.OPSET = { 'ai.onnx': 11 }), ['runtime.consistency']);
    expect(c.result).toBe('FAILED');
    expect(c.message).toContain('MODEL_DETAILS.OPSET');
  });
});

describe('runtime.consistency on certainty settings', () => {
  it('fails when runtime.yaml records another method than the model metadata', async () => {
    const c = await withRuntime((r) => (r.CERTAINTY.METHOD = 'maxlogit'), ['runtime.consistency']);
    expect(c.result).toBe('FAILED');
    expect(c.message).toContain('CERTAINTY.METHOD is "maxlogit"');
  });

  it('fails when runtime.yaml says certainty is off for an enabled model', async () => {
    const c = await withRuntime((r) => (r.CERTAINTY = { ENABLED: false }), ['runtime.consistency']);
    expect(c.result).toBe('FAILED');
    expect(c.message).toContain('CERTAINTY.ENABLED is false');
  });
});

describe('directory artifacts', () => {
  it('are found through a link the user passes (latest -> v3/), which is not a finding', async () => {
    const dir = await goodDir();
    const link = join(temp, `latest-${Date.now()}`);
    await symlink(dir, link);
    const report = await runChecks(link);
    expect(report.source).toBe('directory');
    expect(report.checks.filter((c) => c.result === 'FAILED').map((c) => c.key)).toEqual([]);
  });

  it('fail archive.links for a symbolic link and read nothing else', async () => {
    const dir = await goodDir();
    await symlink('/etc/passwd', join(dir, 'passwd'));
    const report = await runChecks(dir);
    expect(report.checks.filter((c) => c.result === 'FAILED').map((c) => c.key)).toEqual(['archive.links']);
    expect(report.checks.find((c) => c.key === 'integrity.hashes')).toMatchObject({ result: 'SKIPPED' });
  });
});
