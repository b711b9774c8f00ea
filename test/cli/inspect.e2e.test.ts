// `ood inspect` through the built CLI, and the model/artifact mix-ups it resolves: a raw model given where an
// artifact is wanted, and an artifact given where a model is wanted, each named for what it is.
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { copyFileSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtures, repoRoot } from '../helpers/fixtures.js';
import { digitsData, writeEnabledDigits } from '../evaluate/enabled-fixture.js';
import { readNpy } from '../helpers/npy.js';

const bin = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
const ood = (...args: string[]) => execa('node', [bin, ...args], { reject: false });
const goodArtifact = join(repoRoot, 'test', 'fixtures', 'broken', 'good.zip');

interface Description {
  size_bytes: number;
  ir_version: number;
  producer: { name: string };
  opsets: { domain: string; version: number }[];
  inputs: { name: string; datatype: string; shape: (number | string)[] }[];
  outputs: { name: string; datatype: string; shape: (number | string)[] }[];
  certainty: null | {
    method: string;
    normalization: string;
    calibration_samples: number | null;
    output: string;
    scored_output: string;
    threshold: { score: number; id_rejection: number; rows: number; measured_on: string } | null;
  };
}

describe('ood inspect', () => {
  it("prints a raw model's inputs, outputs, opsets, producer and size, and says it is not certainty-enabled", async () => {
    const r = await ood('inspect', fixtures.digits.model);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\s+image\s+FP32\s+\[batch, 1, 8, 8\]$/m);
    expect(r.stdout).toMatch(/^\s+logits\s+FP32\s+\[batch, 8\]$/m);
    expect(r.stdout).toContain('opsets ai.onnx 13');
    expect(r.stdout).toContain('Producer pytorch');
    expect(r.stdout).toContain('Certainty: not enabled');
  });

  it('describes the certainty record of an enabled model as JSON: method, normalization, calibration', async () => {
    const enabled = await writeEnabledDigits('energy');
    const r = await ood('inspect', enabled, '--json');
    expect(r.exitCode, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout) as Description;
    expect(d.size_bytes).toBe(statSync(enabled).size);
    expect(d.opsets).toEqual([{ domain: 'ai.onnx', version: 13 }]);
    expect(d.inputs).toEqual([{ name: 'image', datatype: 'FP32', shape: ['batch', 1, 8, 8] }]);
    expect(d.outputs.map((o) => o.name)).toEqual(['logits', 'ood_scores']);
    // id_train.npy's row count is the calibration sample count enable records.
    const rows = readNpy(digitsData('id_train.npy')).shape[0];
    expect(d.certainty).toMatchObject({
      method: 'energy',
      normalization: 'cdf',
      calibration_samples: rows,
      output: 'ood_scores',
      scored_output: 'logits',
    });
    // The threshold enable measured (ood.threshold) is shown, and is the one the model's metadata holds.
    expect(d.certainty!.threshold).toMatchObject({ id_rejection: 0.05, measured_on: 'calibration', rows });
    const t = d.certainty!.threshold!;
    expect(t.score).toBeGreaterThan(0);
    expect(t.score).toBeLessThan(1);
    const text = await ood('inspect', enabled);
    expect(text.stdout).toContain(
      `Threshold: ood_scores < ${t.score} flags a row as out-of-distribution (rejects 5% of in-distribution rows, measured on ${t.rows} calibration rows)`,
    );
    expect(text.stdout).not.toContain('No decision threshold');
  });

  it('tells a user who passes an artifact to inspect to run introspect, with exit 3', async () => {
    const r = await ood('inspect', goodArtifact);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain('is an ood artifact, not an ONNX model');
    expect(r.stderr).toContain('Hint: Check it with: ood introspect');
  });
});

describe('a model where an artifact is wanted', () => {
  it.each(['introspect', 'serve', 'verify'])(
    'ood %s model.onnx says it is a model and to run ood prepare',
    async (command) => {
      const r = await ood(command, fixtures.digits.model, ...(command === 'introspect' ? [] : ['--port', '0']));
      expect(r.exitCode).toBe(3);
      expect(r.stderr).toContain(`Error: ${fixtures.digits.model} is an ONNX model, not an artifact`);
      expect(r.stderr).toContain('Hint: Package it first: ood prepare');
      expect(r.stderr).not.toContain('not a readable zip');
    },
  );

  it('ood evaluate on a zip that is not an artifact (a PyTorch .pt) names the file given, not a temp path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ood-pt-'));
    const pt = join(dir, 'model.pt');
    // A PyTorch checkpoint is a zip; any zip without model.onnx stands for one.
    await execa('python3', [
      '-c',
      `import zipfile; z=zipfile.ZipFile(${JSON.stringify(pt)},'w'); z.writestr('archive/data.pkl','x'); z.close()`,
    ]);
    const r = await ood('evaluate', pt, '--id', digitsData('calibration.npy'), '--ood', digitsData('ood_noise.npy'));
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain(`Error: ${pt} is neither an ONNX model nor an ood artifact`);
    expect(r.stderr).not.toContain(tmpdir() + '/ood-artifact-');
  });

  it('ood evaluate accepts an ONNX model under another extension', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ood-ext-'));
    const model = join(dir, 'enabled.model');
    copyFileSync(await writeEnabledDigits('energy'), model);
    const r = await ood('evaluate', model, '--id', digitsData('calibration.npy'), '--ood', digitsData('ood_noise.npy'));
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ood_noise/);
  });
});
