// One JSON convention across commands: every key ood itself names is snake_case (README "JSON output"), in the
// output of each command and in error objects; maps of names in other formats (OCI annotations) keep theirs. A
// report printed by `ood evaluate --json` is what `ood prepare --evaluation` takes.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { camelCaseKey, convertKeys, snakeCaseKey } from '../../src/io/json-keys.js';
import { fixtures } from '../helpers/fixtures.js';

const CLI = new URL('../../dist/src/cli/main.js', import.meta.url).pathname;
let dir: string;
const ood = (...args: string[]) =>
  execa('node', [CLI, ...args], { env: { OOD_HOME: join(dir, 'home') }, reject: false, timeout: 120_000 });

/** Every key path whose name has a lowercase-to-uppercase step, outside the verbatim maps. */
function camelKeys(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => camelKeys(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => [
    ...(/[a-z][A-Z]/.test(k) ? [`${path}.${k}`] : []),
    ...(k === 'annotations' ? [] : camelKeys(v, `${path}.${k}`)),
  ]);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ood-json-keys-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('key conversion', () => {
  it('turns camelCase identifiers into snake_case and back, and leaves names that are data alone', () => {
    expect(snakeCaseKey('fprAt95Tpr')).toBe('fpr_at_95_tpr');
    expect(camelCaseKey('fpr_at_95_tpr')).toBe('fprAt95Tpr');
    expect(snakeCaseKey('blobsUploaded')).toBe('blobs_uploaded');
    for (const key of ['sha256', 'GIT_COMMIT', 'input_ids', 'org.opencontainers.image.version', 'ood.threshold'])
      expect(snakeCaseKey(key)).toBe(key);
    const value = { reportVersion: '1', annotations: { 'io.x/someKey': 'v' }, list: [{ samplesCompared: 3 }] };
    expect(convertKeys(value, snakeCaseKey)).toEqual({
      report_version: '1',
      annotations: { 'io.x/someKey': 'v' },
      list: [{ samples_compared: 3 }],
    });
    expect(convertKeys(convertKeys(value, snakeCaseKey), camelCaseKey)).toEqual(value);
  });
});

describe('--json of every command', { timeout: 300_000 }, () => {
  it('names its keys in snake_case, and prepare --evaluation takes what evaluate --json printed', async () => {
    const enabled = join(dir, 'enabled.onnx');
    const zip = join(dir, 'digits.zip');
    const pulled = join(dir, 'pulled.zip');
    const evaluation = join(dir, 'evaluation.json');
    const d = fixtures.digits;
    const outputs: Record<string, string> = {};
    const run = async (name: string, ...args: string[]) => {
      const r = await ood(...args, '--json');
      expect(r.exitCode, `${name}: ${r.stderr}`).toBe(0);
      outputs[name] = r.stdout;
      return r.stdout;
    };
    await run('enable', 'enable', d.model, '-o', enabled, '--data', d.idTrain);
    await writeFile(evaluation, await run('evaluate', 'evaluate', enabled, '--id', d.calibration, '--ood', d.oodNoise));
    await run('prepare', 'prepare', enabled, '-o', zip, '--sample', d.sample, '--evaluation', evaluation);
    await run('inspect', 'inspect', enabled);
    await run('introspect', 'introspect', zip);
    await run('push', 'push', zip, 'digits:1.0');
    await run('ls', 'ls', 'digits');
    await run('ls-all', 'ls');
    await run('pull', 'pull', 'digits:1.0', '-o', pulled);
    await run('rm', 'rm', 'digits:1.0');
    for (const [name, text] of Object.entries(outputs)) expect(camelKeys(JSON.parse(text)), name).toEqual([]);
    expect(JSON.parse(outputs.evaluate!).ood[0].metrics).toHaveProperty('fpr_at_95_tpr');
    const checks = JSON.parse(outputs.introspect!).checks as { key: string; result: string }[];
    expect(checks.find((c) => c.key === 'certainty.evaluation')?.result).toBe('PASSED');
  });

  it('prints errors with snake_case details', async () => {
    const r = await ood('ls', '127.0.0.1:1/team/none', '--retries', '0', '--json');
    expect(r.exitCode).toBe(5);
    const body = JSON.parse(r.stderr.trim().split('\n').pop()!);
    expect(camelKeys(body)).toEqual([]);
  });
});
