// A score that does no better than chance: `ood evaluate` warns on every OOD set with AUROC below 0.5, and
// `ood prepare --evaluation` refuses to store a report with AUROC at or below 0.5 unless --force. The report is
// real: the digits model evaluated with its in-distribution and OOD sets swapped.
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { buildArtifact } from '../../src/artifact/build-artifact.js';
import { evaluateModel } from '../../src/evaluate/evaluate-model.js';
import { aurocWarnings } from '../../src/evaluate/auroc-warnings.js';
import type { EvaluationReport } from '../../src/evaluate/report.js';
import { fixtures, repoRoot } from '../helpers/fixtures.js';
import { writeEnabledDigits } from './enabled-fixture.js';

const d = fixtures.digits;
const dir = mkdtempSync(join(tmpdir(), 'ood-below-chance-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('an evaluation whose score is below chance', () => {
  let model: string;
  let swapped: EvaluationReport;
  let path: string;
  beforeAll(async () => {
    model = await writeEnabledDigits('energy');
    swapped = await evaluateModel({ model, id: d.oodNoise, ood: [d.calibration, d.oodHeldout] });
    path = join(dir, 'evaluation.json');
    writeFileSync(path, JSON.stringify(swapped));
  });

  it('gets one warning per OOD set below 0.5, naming the set and its AUROC', () => {
    const below = swapped.ood.filter((s) => s.metrics.auroc < 0.5);
    expect(below.length).toBeGreaterThan(0);
    const warnings = aurocWarnings(swapped);
    expect(warnings).toHaveLength(below.length);
    expect(warnings[0]).toMatch(
      new RegExp(`AUROC on ${below[0]!.name} is ${below[0]!.metrics.auroc.toFixed(3)}, below chance`),
    );
  });

  it('is printed by ood evaluate on stderr, and the command still succeeds', async () => {
    const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
    const r = await execa('node', [cli, 'evaluate', model, '--id', d.oodNoise, '--ood', d.calibration], {
      reject: false,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Warning: AUROC on calibration is 0\.\d{3}, below chance/);
  });

  it('is refused by prepare --evaluation, and stored with --force', async () => {
    await expect(
      buildArtifact({ model, output: join(dir, 'a.zip'), evaluation: path, repo: repoRoot }),
    ).rejects.toMatchObject({
      code: 'EVALUATION_NOT_BETTER_THAN_CHANCE',
    });
    const forced = await buildArtifact({
      model,
      output: join(dir, 'b.zip'),
      evaluation: path,
      repo: repoRoot,
      force: true,
      introspect: false,
    });
    expect(forced.files.map((f) => f.path)).toContain('evaluation.json');
  });
});
