// The evaluation runner on the real digits model through onnxruntime-node, with the repo's own OOD sets.
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { evaluateModel } from '../../src/evaluate/evaluate-model.js';
import { DIGITS, writeEnabledDigits, writeDigitsWithShiftedBias } from './enabled-fixture.js';

const data = (name: string) => join(DIGITS, 'data', name);
const OOD = ['ood_heldout.npy', 'ood_inverted.npy', 'ood_noise.npy'].map(data);

describe('evaluateModel on the digits classifier', () => {
  let enabled: string;
  beforeAll(async () => {
    enabled = await writeEnabledDigits('energy');
  });

  it('reports metrics per OOD set and states that the original outputs are unchanged', async () => {
    const report = await evaluateModel({ model: enabled, id: data('calibration.npy'), ood: OOD, batchSize: 50 });
    expect(report.id.samples).toBe(289);
    expect(report.ood.map((s) => [s.name, s.samples])).toEqual([
      ['ood_heldout', 354],
      ['ood_inverted', 289],
      ['ood_noise', 300],
    ]);
    for (const s of report.ood) {
      expect(s.metrics.auroc).toBeGreaterThan(0.5);
      expect(s.roc[0]).toEqual([0, 0]);
      expect(s.roc[s.roc.length - 1]).toEqual([1, 1]);
      expect(s.histogram.reduce((a, b) => a + b, 0)).toBe(s.samples);
    }
    expect(report.outputs).toMatchObject({
      status: 'identical',
      reference: 'stripped',
      outputs: ['logits'],
      samplesCompared: 289 + 354 + 289 + 300,
    });
  });

  it('compares against the original model when given, bit for bit', async () => {
    const report = await evaluateModel({
      model: enabled,
      id: data('calibration.npy'),
      ood: [data('ood_noise.npy')],
      original: join(DIGITS, 'model.onnx'),
    });
    expect(report.outputs).toMatchObject({ status: 'identical', reference: 'original', samplesCompared: 589 });
  });

  it('reports the outputs as different when the original model computes other logits', async () => {
    const other = await writeDigitsWithShiftedBias();
    const report = await evaluateModel({
      model: enabled,
      id: data('calibration.npy'),
      ood: [data('ood_noise.npy')],
      original: other,
    });
    expect(report.outputs.status).toBe('different');
    expect(report.outputs.detail).toMatch(
      /output logits differs from the original model in set calibration, batch starting at sample 0/,
    );
  });

  it('evaluates the model inside a prepared artifact, zip or directory, and reads V2 request JSON data', async () => {
    const { buildArtifact } = await import('../../src/artifact/build-artifact.js');
    const dir = mkdtempSync(join(tmpdir(), 'ood-eval-artifact-'));
    await buildArtifact({ model: enabled, output: join(dir, 'a.zip') });
    await buildArtifact({ model: enabled, dir: join(dir, 'a') });
    const direct = await evaluateModel({
      model: enabled,
      id: data('calibration.npy'),
      ood: [join(DIGITS, 'sample.json')],
    });
    for (const artifact of [join(dir, 'a.zip'), join(dir, 'a')]) {
      const report = await evaluateModel({
        model: artifact,
        id: data('calibration.npy'),
        ood: [join(DIGITS, 'sample.json')],
      });
      expect(report.ood[0]!.samples).toBe(4);
      expect(report.ood[0]!.metrics).toEqual(direct.ood[0]!.metrics);
      expect(report.model.sha256).toBe(direct.model.sha256);
      expect(report.outputs.status).toBe('identical');
    }
  });

  it('refuses a model that was never certainty-enabled, naming the fix', async () => {
    await expect(
      evaluateModel({ model: join(DIGITS, 'model.onnx'), id: data('calibration.npy'), ood: [data('ood_noise.npy')] }),
    ).rejects.toMatchObject({ code: 'EVALUATE_NOT_ENABLED', hint: expect.stringMatching(/ood enable/) });
  });

  it('refuses a data set whose samples do not match the model input', async () => {
    await expect(
      evaluateModel({ model: enabled, id: data('calibration_labels.npy'), ood: [data('ood_noise.npy')] }),
    ).rejects.toMatchObject({ code: 'DATA_MISMATCH' });
  });
});
