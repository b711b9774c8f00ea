// Every method `--method auto` can pick is one a user can ask for by name: the CLI's --method choices hold each
// candidate's method (combinations too), every choice resolves to a method, and the flags auto prints for a
// candidate (`--method knn+fdbd --knn-k 1`) are accepted by the CLI and build that method.
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { execa } from 'execa';
import { METHOD_CHOICES } from '../../src/cli/commands/enable.js';
import { METHOD_NAMES, findFeatureMethod, getMethod } from '../../src/certainty/methods/index.js';
import { candidateFlags, listCandidates } from '../../src/certainty/auto/candidates.js';
import { readFeatureParameters } from '../../src/certainty/features/fit-feature-score.js';
import { OnnxModel } from '../../src/onnx/model.js';
import { fixtures, repoRoot } from '../helpers/fixtures.js';
import { tempDir } from './harness.js';

const tmp = tempDir('ood-method-choices-');
afterAll(tmp.cleanup);
const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
const enable = (...args: string[]) => execa('node', [cli, 'enable', ...args], { reject: false, cwd: tmp.dir });
const everyCandidate = listCandidates({ features: true, head: true, dim: 64, fitRows: 10_000, previous: true });

function metadataOf(path: string): ReadonlyMap<string, string> {
  const model = OnnxModel.open(path);
  const meta = model.metadataMap;
  model.close();
  return meta;
}

describe('--method choices', () => {
  it('hold exactly auto, every single method and every method auto measures', () => {
    const candidateMethods = new Set(everyCandidate.map((c) => c.method));
    expect(candidateMethods.has('knn+fdbd')).toBe(true);
    expect([...METHOD_CHOICES].sort()).toEqual([...new Set(['auto', ...METHOD_NAMES, ...candidateMethods])].sort());
  });

  it('each resolve to a method of that name', () => {
    for (const name of METHOD_CHOICES.filter((m) => m !== 'auto'))
      expect((findFeatureMethod(name) ?? getMethod(name)).name).toBe(name);
  });

  it("give every candidate's flags, hyperparameters included", () => {
    expect(candidateFlags(everyCandidate.find((c) => c.label === 'knn k=1 + fdbd')!)).toBe(
      '--method knn+fdbd --knn-k 1',
    );
    expect(candidateFlags(everyCandidate.find((c) => c.label === 'knn k=1 previous layer + fdbd')!)).toBe(
      '--method knn+fdbd --knn-k 1 --knn-layer previous',
    );
    expect(candidateFlags(everyCandidate.find((c) => c.label === 'gen γ=0.5')!)).toBe('--method gen --gen-gamma 0.5');
    expect(candidateFlags(everyCandidate.find((c) => c.label === 'vim D=48')!)).toBe('--method vim --vim-dim 48');
    expect(candidateFlags(everyCandidate.find((c) => c.label === 'ash p=80')!)).toBe(
      '--method ash --shape-percentile 80',
    );
  });
});

describe('ood enable --method with a combination or a gen γ (CLI)', () => {
  it('enables knn+fdbd with k = 1, as auto prints it', async () => {
    const out = join(tmp.dir, 'knn-fdbd.onnx');
    const r = await enable(
      fixtures.digits.model,
      '-o',
      out,
      '--data',
      fixtures.digits.idTrain,
      '--method',
      'knn+fdbd',
      '--knn-k',
      '1',
    );
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('(knn+fdbd, T=1)');
    const meta = metadataOf(out);
    expect(meta.get('ood.method')).toBe('knn+fdbd');
    expect(readFeatureParameters(meta)).toMatchObject({ combination: 'log CDF sum', 'knn.k': 1 });
  });

  it('enables gen with --gen-gamma and records γ', async () => {
    const out = join(tmp.dir, 'gen.onnx');
    const r = await enable(fixtures.digits.model, '-o', out, '--method', 'gen', '--gen-gamma', '0.5');
    expect(r.exitCode).toBe(0);
    expect(readFeatureParameters(metadataOf(out))).toMatchObject({ gamma: 0.5 });
  });

  it('refuses --gen-gamma with another method, and a combination auto does not measure', async () => {
    const wrong = await enable(fixtures.digits.model, '-o', join(tmp.dir, 'e.onnx'), '--gen-gamma', '0.5');
    expect(wrong.exitCode).toBe(2);
    expect(wrong.stderr).toContain('--gen-gamma only applies to --method gen, not energy');
    const zero = await enable(
      fixtures.digits.model,
      '-o',
      join(tmp.dir, 'e.onnx'),
      '--method',
      'gen',
      '--gen-gamma',
      '0',
    );
    expect(zero.exitCode).toBe(2);
    const unknown = await enable(fixtures.digits.model, '-o', join(tmp.dir, 'e.onnx'), '--method', 'knn+knn');
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('Invalid values');
  });
});
