// The evaluation file that `ood prepare --evaluation` stores: real reports validate against the schema, broken
// ones are refused with every problem listed, and a report about another model is refused.
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateModel } from '../../src/evaluate/evaluate-model.js';
import { evaluationProblems, readEvaluationFile, summarizeEvaluation } from '../../src/artifact/evaluation.js';
import { digestFile } from '../../src/artifact/file-digest.js';
import type { EvaluationReport } from '../../src/evaluate/report.js';
import { fixtures } from '../helpers/fixtures.js';
import { writeEnabledDigits } from './enabled-fixture.js';

const d = fixtures.digits;
const dir = mkdtempSync(join(tmpdir(), 'ood-evaluation-file-'));

describe('evaluation files', () => {
  let model: string;
  let report: EvaluationReport;
  let path: string;
  beforeAll(async () => {
    model = await writeEnabledDigits('knn');
    report = await evaluateModel({ model, id: d.calibration, ood: [d.oodHeldout, d.oodNoise] });
    path = join(dir, 'evaluation.json');
    writeFileSync(path, JSON.stringify(report, null, 2));
  });

  it('accepts a real report for the model it evaluated, matched by sha256', async () => {
    expect(evaluationProblems(JSON.parse(JSON.stringify(report)))).toEqual([]);
    const { sha256 } = await digestFile(model);
    expect(report.model.sha256).toBe(sha256);
    await expect(readEvaluationFile(path, sha256)).resolves.toEqual(JSON.parse(JSON.stringify(report)));
  });

  it('refuses a report about another model', async () => {
    const { sha256 } = await digestFile(d.model);
    await expect(readEvaluationFile(path, sha256)).rejects.toMatchObject({ code: 'EVALUATION_MODEL_MISMATCH' });
  });

  it('refuses a malformed report and lists every problem', async () => {
    const broken = JSON.parse(JSON.stringify(report));
    broken.ood[0].metrics.auroc = 1.5;
    delete broken.outputs;
    const bad = join(dir, 'broken.json');
    writeFileSync(bad, JSON.stringify(broken));
    const err = await readEvaluationFile(bad).catch((e: unknown) => e as Error);
    expect(err).toMatchObject({ code: 'EVALUATION_INVALID' });
    expect(err.message).toMatch(/\/ must have required property 'outputs'/);
    expect(err.message).toMatch(/\/ood\/0\/metrics\/auroc must be <= 1/);
    const notJson = join(dir, 'not.json');
    writeFileSync(notJson, '{');
    await expect(readEvaluationFile(notJson)).rejects.toMatchObject({ code: 'EVALUATION_INVALID' });
  });

  it('summarizes the figures introspect and /info show', () => {
    const s = summarizeEvaluation(report);
    expect(s).toMatchObject({
      method: 'knn',
      idSamples: 289,
      meanAuroc: report.mean.auroc,
      originalOutputs: 'identical',
    });
    expect(s.sets.map((x) => [x.name, x.auroc])).toEqual(report.ood.map((x) => [x.name, x.metrics.auroc]));
  });
});
