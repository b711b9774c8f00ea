import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm, writeFile, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractArchive } from '../../src/artifact/archive-extract.js';
import { runChecks } from '../../src/checks/run-checks.js';
import { repoRoot } from '../helpers/fixtures.js';

// score.mjs is judged statically: these cases cover the export forms real entrypoints use, and prove that the
// file is never executed. Each case is the good artifact (as a directory) with only score.mjs replaced.
let temp: string;
beforeAll(async () => {
  temp = await mkdtemp(join(tmpdir(), 'ood-score-'));
});
afterAll(async () => {
  await rm(temp, { recursive: true, force: true });
});

async function judge(source: string): Promise<{ parse: string; exports: string; message: string }> {
  const dir = await mkdtemp(join(temp, 'a-'));
  await extractArchive(join(repoRoot, 'test', 'fixtures', 'broken', 'good.zip'), dir);
  await writeFile(join(dir, 'score.mjs'), source);
  const report = await runChecks(dir, { only: ['score.parse', 'score.exports'] });
  const get = (k: string) => report.checks.find((c) => c.key === k)!;
  return {
    parse: get('score.parse').result,
    exports: get('score.exports').result,
    message: get('score.exports').message,
  };
}

describe('score.mjs checks', () => {
  it('accept function declarations, arrow functions and export lists', async () => {
    expect((await judge('export async function load(dir) {}\nexport async function predict(m, r) {}\n')).exports).toBe(
      'PASSED',
    );
    expect(
      (await judge('export const load = async (dir, ctx) => ({});\nexport const predict = (m, r) => r;\n')).exports,
    ).toBe('PASSED');
    expect(
      (await judge('async function a(dir) {}\nconst b = function (m, r) {};\nexport { a as load, b as predict };\n'))
        .exports,
    ).toBe('PASSED');
    expect((await judge('export function load(...args) {}\nexport function predict(...args) {}\n')).exports).toBe(
      'PASSED',
    );
  });

  it('fail when load or predict is missing, or is not a function', async () => {
    const missing = await judge('export async function load(dir) {}\n');
    expect(missing).toMatchObject({ parse: 'PASSED', exports: 'FAILED' });
    expect(missing.message).toContain('does not export predict');
    const notFn = await judge('export const load = 42;\nexport function predict(m, r) {}\n');
    expect(notFn.exports).toBe('FAILED');
    expect(notFn.message).toContain('load as a literal');
    expect((await judge('export class load {}\nexport function predict(m, r) {}\n')).message).toContain(
      'load as a class',
    );
  });

  it('fail when a hook is exported but is not a function', async () => {
    const r = await judge(
      'export function load(d) {}\nexport function predict(m, r) {}\nexport const preprocess = {};\n',
    );
    expect(r.exports).toBe('FAILED');
    expect(r.message).toContain('preprocess as an object');
  });

  it('fail a re-export, which cannot be checked without running other code', async () => {
    const r = await judge("export { load, predict } from './elsewhere.mjs';\n");
    expect(r.exports).toBe('FAILED');
    expect(r.message).toContain('re-export');
  });

  it('report a syntax error as score.parse and skip the export check', async () => {
    expect(await judge('export function load( {\n')).toMatchObject({ parse: 'FAILED', exports: 'SKIPPED' });
  });

  it('never execute score.mjs, even when its top level would write a file', async () => {
    const marker = join(temp, 'executed.txt');
    const source =
      `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\n` +
      'export function load(d) {}\nexport function predict(m, r) {}\n';
    expect((await judge(source)).exports).toBe('PASSED');
    await expect(access(marker)).rejects.toThrow();
  });
});
