// An evaluation travels with its model: `prepare --evaluation` stores it, introspect vouches for it (or not),
// and the server's /info shows its headline figures.
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { buildArtifact } from '../../src/artifact/build-artifact.js';
import { runChecks } from '../../src/checks/run-checks.js';
import { evaluateModel } from '../../src/evaluate/evaluate-model.js';
import type { EvaluationReport } from '../../src/evaluate/report.js';
import { fixtures, repoRoot } from '../helpers/fixtures.js';
import { serve, get } from '../serve/helpers/server.js';
import { writeEnabledDigits } from './enabled-fixture.js';

const d = fixtures.digits;
const dir = mkdtempSync(join(tmpdir(), 'ood-evaluation-artifact-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function outcome(report: Awaited<ReturnType<typeof runChecks>>, key: string) {
  return report.checks.find((c) => c.key === key)!;
}

/** Rewrite one file of a directory artifact and re-record it in manifest.json, so only the content is wrong. */
function rewriteWithManifest(artifact: string, file: string, content: string): void {
  writeFileSync(join(artifact, file), content);
  const manifestPath = join(artifact, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    files: { path: string; sha256: string; size: number }[];
  };
  const entry = manifest.files.find((f) => f.path === file)!;
  entry.sha256 = createHash('sha256').update(content).digest('hex');
  entry.size = Buffer.byteLength(content);
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
}

describe('an evaluation stored in an artifact', () => {
  let model: string;
  let evaluationPath: string;
  let report: EvaluationReport;
  beforeAll(async () => {
    model = await writeEnabledDigits('energy');
    report = await evaluateModel({ model, id: d.calibration, ood: [d.oodHeldout, d.oodNoise] });
    evaluationPath = join(dir, 'evaluation.json');
    writeFileSync(evaluationPath, JSON.stringify(report, null, 2));
  });

  it('is stored as evaluation.json, summarized in the build result, and passes certainty.evaluation', async () => {
    const out = join(dir, 'with-eval.zip');
    const result = await buildArtifact({ model, output: out, evaluation: evaluationPath, repo: repoRoot });
    expect(result.files.map((f) => f.path)).toContain('evaluation.json');
    expect(result.evaluation).toMatchObject({
      method: 'energy',
      meanAuroc: report.mean.auroc,
      originalOutputs: report.outputs.status,
    });
    expect(result.evaluation!.sets.map((s) => s.name)).toEqual(report.ood.map((s) => s.name));
    const checks = await runChecks(out);
    const c = outcome(checks, 'certainty.evaluation');
    expect(c.result).toBe('PASSED');
    expect(c.message).toContain(`mean AUROC ${report.mean.auroc.toFixed(3)}`);
    expect(checks.checks.filter((x) => x.result === 'FAILED')).toEqual([]);
  });

  it('is refused at prepare time when it evaluates another model, and nothing is written', async () => {
    const out = join(dir, 'other.zip');
    await expect(buildArtifact({ model: d.model, output: out, evaluation: evaluationPath })).rejects.toMatchObject({
      code: 'EVALUATION_MODEL_MISMATCH',
    });
    expect(existsSync(out)).toBe(false);
  });

  it('fails certainty.evaluation, and only that check, when it names another model or found changed outputs', async () => {
    for (const [label, mutate] of [
      ['another model', (r: EvaluationReport) => ({ ...r, model: { ...r.model, sha256: '0'.repeat(64) } })],
      ['changed outputs', (r: EvaluationReport) => ({ ...r, outputs: { ...r.outputs, status: 'different' } })],
    ] as const) {
      const artifact = join(dir, `dir-${label.replace(' ', '-')}`);
      await buildArtifact({ model, dir: artifact, evaluation: evaluationPath, repo: repoRoot });
      rewriteWithManifest(artifact, 'evaluation.json', JSON.stringify(mutate(report), null, 2));
      const checks = await runChecks(artifact);
      expect(
        checks.checks.filter((x) => x.result === 'FAILED').map((x) => x.key),
        label,
      ).toEqual(['certainty.evaluation']);
    }
  });

  it('is skipped by introspect when the artifact has none', async () => {
    const out = join(dir, 'no-eval.zip');
    await buildArtifact({ model, output: out, repo: repoRoot });
    expect(outcome(await runChecks(out), 'certainty.evaluation').result).toBe('SKIPPED');
  });

  it('is shown on the server /info', async () => {
    const out = join(dir, 'served.zip');
    await buildArtifact({ model, output: out, evaluation: evaluationPath, repo: repoRoot });
    const server = await serve(out);
    try {
      const info = await get(`${server.url}/info`);
      expect(info.status).toBe(200);
      expect(info.json.evaluation).toMatchObject({
        method: 'energy',
        meanAuroc: report.mean.auroc,
        idSamples: report.id.samples,
      });
    } finally {
      await server.close();
    }
  });
});
