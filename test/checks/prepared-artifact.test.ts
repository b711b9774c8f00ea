import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { buildArtifact } from '../../src/artifact/build-artifact.js';
import { runChecks } from '../../src/checks/run-checks.js';
import { fixtures } from '../helpers/fixtures.js';

// Artifacts fresh from `ood prepare` (buildArtifact), made in a clean git repository so provenance is complete:
// whatever prepare writes today, introspect must accept without a single FAILED or WARNING.
let temp: string;
let repo: string;
beforeAll(async () => {
  temp = await mkdtemp(join(tmpdir(), 'ood-prepared-'));
  repo = join(temp, 'repo');
  await mkdir(repo);
  await copyFile(fixtures.digits.model, join(repo, 'digits.onnx'));
  await copyFile(fixtures.multiIo, join(repo, 'multi_io.onnx'));
  await copyFile(fixtures.dynamicDims, join(repo, 'dynamic_dims.onnx'));
  await mkdir(join(repo, 'ext'));
  await copyFile(fixtures.externalData.model, join(repo, 'ext', 'model.onnx'));
  await copyFile(fixtures.externalData.weights, join(repo, 'ext', basename(fixtures.externalData.weights)));
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args]);
  git('init', '-q');
  git('add', '.');
  git('commit', '-q', '-m', 'models');
});
afterAll(async () => {
  await rm(temp, { recursive: true, force: true });
});

const flagged = (r: Awaited<ReturnType<typeof runChecks>>) =>
  r.checks.filter((c) => c.result === 'FAILED' || c.result === 'WARNING').map((c) => `${c.key}: ${c.message}`);

describe('introspecting what ood prepare builds', () => {
  const cases: [string, string, string | undefined][] = [
    ['the digits example with its sample', 'digits.onnx', fixtures.digits.sample],
    ['a model with several inputs and outputs', 'multi_io.onnx', undefined],
    ['a model with dynamic dims', 'dynamic_dims.onnx', undefined],
    ['a model with external data', 'ext/model.onnx', undefined],
  ];
  for (const [what, model, sample] of cases) {
    it(`finds nothing wrong with ${what}, zipped or as a directory`, async () => {
      const zip = join(temp, `${model.replace(/\W/g, '_')}.zip`);
      const dir = join(temp, `${model.replace(/\W/g, '_')}-dir`);
      await buildArtifact({ model: join(repo, model), output: zip, sample });
      await buildArtifact({ model: join(repo, model), dir, sample });
      for (const path of [zip, dir]) {
        const report = await runChecks(path);
        expect(flagged(report)).toEqual([]);
        // Only the certainty checks may be skipped (these models are not certainty-enabled and carry no
        // evaluation), and the sample check when no sample was given.
        const expectedSkips = [
          ...(sample ? [] : ['schemas.sample']),
          'schemas.labels',
          'certainty.record',
          'certainty.output',
          'certainty.evaluation',
        ];
        expect(report.checks.filter((c) => c.result === 'SKIPPED').map((c) => c.key)).toEqual(expectedSkips);
      }
    });
  }
});
