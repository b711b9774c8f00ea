import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { runChecks } from '../../src/checks/run-checks.js';
import { CATALOGUE } from '../../src/checks/catalogue.js';
import { extractArchive } from '../../src/artifact/archive-extract.js';
import type { IntrospectReport } from '../../src/checks/types.js';
import { repoRoot } from '../helpers/fixtures.js';

const corpusDir = join(repoRoot, 'test', 'fixtures', 'broken');
interface Corpus {
  good: string;
  defects: { file: string; key: string; result: 'FAILED' | 'WARNING' }[];
}
const corpus = JSON.parse(await readFile(join(corpusDir, 'corpus.json'), 'utf8')) as Corpus;
const reportSchema = JSON.parse(
  await readFile(join(repoRoot, 'schemas', 'introspect-report.schema.json'), 'utf8'),
) as object;
const validateReport = new Ajv({ allErrors: true }).compile(reportSchema);

let temp: string;
beforeAll(async () => {
  temp = await mkdtemp(join(tmpdir(), 'ood-corpus-test-'));
});
afterAll(async () => {
  await rm(temp, { recursive: true, force: true });
});

const notPassed = (r: IntrospectReport) =>
  r.checks.filter((c) => c.result !== 'PASSED').map((c) => `${c.key}:${c.result}:${c.message}`);

describe('the good artifact', () => {
  it('passes every check in the catalogue as a zip', async () => {
    const report = await runChecks(join(corpusDir, corpus.good));
    expect(notPassed(report)).toEqual([]);
    expect(report.checks.map((c) => c.key)).toEqual(CATALOGUE.map((c) => c.key));
    expect(report).toMatchObject({
      ok: true,
      source: 'zip',
      summary: { passed: CATALOGUE.length, failed: 0, warning: 0, skipped: 0 },
    });
  });

  it('passes every check as an unpacked directory too', async () => {
    const dir = await mkdtemp(join(temp, 'good-'));
    await extractArchive(join(corpusDir, corpus.good), dir);
    const report = await runChecks(dir);
    expect(notPassed(report)).toEqual([]);
    expect(report.source).toBe('directory');
  });

  it('gives a report that validates against schemas/introspect-report.schema.json', async () => {
    const report = await runChecks(join(corpusDir, corpus.good));
    expect(validateReport(JSON.parse(JSON.stringify(report))), JSON.stringify(validateReport.errors)).toBe(true);
  });
});

describe('the broken corpus', () => {
  it('covers every check in the catalogue at least once', () => {
    const covered = new Set(corpus.defects.map((d) => d.key));
    expect(CATALOGUE.map((c) => c.key).filter((k) => !covered.has(k))).toEqual([]);
  });

  for (const defect of corpus.defects) {
    it(`${defect.file} is caught by exactly ${defect.key} (${defect.result})`, async () => {
      const report = await runChecks(join(corpusDir, defect.file));
      const flagged = report.checks.filter((c) => c.result === 'FAILED' || c.result === 'WARNING');
      expect(flagged.map((c) => `${c.key}:${c.result}`)).toEqual([`${defect.key}:${defect.result}`]);
      expect(flagged[0]!.hint).toBeTruthy();
      expect(report.ok).toBe(defect.result !== 'FAILED');
      expect(validateReport(JSON.parse(JSON.stringify(report))), JSON.stringify(validateReport.errors)).toBe(true);
    });
  }

  it('skips every content check of an unsafe zip, saying why, instead of reading it', async () => {
    const report = await runChecks(join(corpusDir, 'path-traversal.zip'));
    const modelLoad = report.checks.find((c) => c.key === 'model.load')!;
    expect(modelLoad).toMatchObject({ result: 'SKIPPED' });
    expect(modelLoad.message).toMatch(/unsafe/);
    const skipped = report.checks.filter((c) => c.result === 'SKIPPED').map((c) => c.category);
    expect(new Set(skipped)).toEqual(
      new Set(['integrity', 'runtime', 'schemas', 'model', 'score', 'certainty', 'provenance']),
    );
  });

  it('skips checks that depend on a broken file and names the check that reports it', async () => {
    const report = await runChecks(join(corpusDir, 'model-lfs-pointer.zip'));
    const graph = report.checks.find((c) => c.key === 'schemas.graph')!;
    expect(graph).toMatchObject({ result: 'SKIPPED' });
    expect(graph.message).toContain('model.format');
  });

  it('tells the user what is wrong in plain words: an LFS pointer is named as one', async () => {
    const report = await runChecks(join(corpusDir, 'model-lfs-pointer.zip'));
    const format = report.checks.find((c) => c.key === 'model.format')!;
    expect(format.message).toContain('Git LFS pointer');
    expect(format.hint).toContain('git lfs pull');
  });
});
