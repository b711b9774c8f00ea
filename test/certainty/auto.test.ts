// `--method auto` chooses by measuring: it splits the data 60/20/20 (fit, calibration, validation), scores every
// candidate on the validation rows against synthetic or user OOD sets, picks the best score (ties within one
// bootstrap standard error go to the lowest FPR@95), records the
// table, and writes a model whose ood.method is the chosen method; the 5%-rejection threshold it records
// rejects about 5% of in-distribution data the model never saw.
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { enableModel, type EnableResult } from '../../src/certainty/enable.js';
import { OnnxModel } from '../../src/onnx/model.js';
import { readThreshold } from '../../src/certainty/measured-metadata.js';
import { execa } from 'execa';
import { fixtures, repoRoot } from '../helpers/fixtures.js';
import { readNpy } from '../helpers/npy.js';
import { tempDir } from './harness.js';

const tmp = tempDir('ood-auto-');
const digits = fixtures.digits;
const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

describe('--method auto on the digits example', () => {
  let synthetic: EnableResult;
  const out = join(tmp.dir, 'auto.onnx');
  beforeAll(async () => {
    synthetic = await enableModel({ model: digits.model, output: out, method: 'auto', data: digits.idTrain });
  }, 120_000);

  it('measures every candidate on synthetic OOD from its own validation rows and picks, among those tied with the best score, the lowest FPR@95', () => {
    const auto = synthetic.auto!;
    expect(auto.oodSets.map((s) => s.name)).toEqual([
      'synthetic:uniform-noise',
      'synthetic:gaussian-noise',
      'synthetic:inverted',
      'synthetic:pixel-permutation',
      'synthetic:upside-down',
      'synthetic:cut-paste',
      'synthetic:tile-shuffle',
    ]);
    expect(auto.validationRows).toBe(synthetic.split!.rows.validation);
    const ranked = auto.candidates.filter((c) => !c.error);
    expect(ranked.length).toBeGreaterThanOrEqual(20);
    for (let i = 1; i < ranked.length; i++) expect(ranked[i - 1]!.score).toBeGreaterThanOrEqual(ranked[i]!.score);
    // the leader and those within one bootstrap standard error of it tie; the tied one with the lowest FPR@95 wins
    const tied = ranked.filter((c) => c.tied);
    expect(tied[0]).toBe(ranked[0]);
    const chosen = ranked.find((c) => c.label === auto.chosen)!;
    expect(chosen.tied).toBe(true);
    expect(chosen.meanFprAt95Tpr).toBe(Math.min(...tied.map((c) => c.meanFprAt95Tpr)));
    expect(synthetic.record.method).toBe(chosen.method);
  });

  it('splits the rows 60/20/20, calibrates on the calibration part only, and records table and split', () => {
    const s = synthetic.split!;
    expect(s.rows.fit + s.rows.calibration + s.rows.validation).toBe(1154);
    expect(Math.abs(s.rows.validation - 0.2 * 1154)).toBeLessThan(8);
    expect(synthetic.record.calibration!.samples).toBe(s.rows.calibration);
    const model = OnnxModel.open(out);
    const meta = model.metadataMap;
    model.close();
    expect(meta.get('ood.method')).toBe(synthetic.record.method);
    expect(JSON.parse(meta.get('ood.auto')!).chosen).toBe(synthetic.auto!.chosen);
    expect(JSON.parse(meta.get('ood.split')!)).toEqual(s);
  });

  it('records a threshold that rejects about 5% of in-distribution digits it never saw', async () => {
    const model = OnnxModel.open(out);
    const threshold = readThreshold(model.metadataMap)!;
    model.close();
    expect(threshold).toMatchObject({ idRejection: 0.05, measuredOn: 'validation' });
    const test = readNpy(digits.calibration);
    const session = await ort.InferenceSession.create(out);
    const scores = (await session.run({ image: new ort.Tensor('float32', test.data as Float32Array, test.shape) }))
      .ood_scores!.data as Float32Array;
    await session.release();
    const rejected = scores.filter((v) => v < threshold.score).length / scores.length;
    expect(rejected).toBeGreaterThan(0.01);
    expect(rejected).toBeLessThan(0.12);
  });

  it('prints the flags that build its choice without auto, and the CLI builds that method from them', async () => {
    const flags = synthetic.auto!.chosenFlags;
    expect(flags.startsWith(`--method ${synthetic.record.method}`)).toBe(true);
    const again = join(tmp.dir, 'again.onnx');
    const r = await execa(
      'node',
      [cli, 'enable', digits.model, '-o', again, '--data', digits.idTrain, ...flags.split(' ')],
      {
        reject: false,
      },
    );
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const model = OnnxModel.open(again);
    const meta = model.metadataMap;
    model.close();
    expect(meta.get('ood.method')).toBe(synthetic.record.method);
    const chosen = synthetic.auto!.candidates.find((c) => c.label === synthetic.auto!.chosen)!.parameters;
    const rebuilt = JSON.parse(meta.get('ood.method_parameters')!) as Record<string, unknown>;
    for (const key of Object.keys(chosen).filter((k) =>
      /(^|\.)(k|gamma|principalDim|percentile|clipPercentile|layer|layerFeatures)$/.test(k),
    ))
      expect(rebuilt[key]).toEqual(chosen[key]);
  }, 60_000);

  it('uses the user OOD sets given with --ood-val instead of synthetic ones', async () => {
    const r = await enableModel({
      model: digits.model,
      output: join(tmp.dir, 'auto-val.onnx'),
      method: 'auto',
      data: digits.idTrain,
      oodValidation: [digits.oodHeldout],
    });
    expect(r.auto!.oodSets).toEqual([{ name: 'ood_heldout', samples: 354 }]);
  });

  it('refuses without data, and refuses per-method settings it would override', async () => {
    await expect(
      enableModel({ model: digits.model, output: join(tmp.dir, 'x.onnx'), method: 'auto' }),
    ).rejects.toMatchObject({
      code: 'AUTO_NEEDS_DATA',
      kind: 'usage',
    });
    await expect(
      enableModel({
        model: digits.model,
        output: join(tmp.dir, 'x.onnx'),
        method: 'auto',
        data: digits.idTrain,
        featureFit: { k: 3 },
      }),
    ).rejects.toMatchObject({ code: 'AUTO_TAKES_NO_SETTINGS', kind: 'usage' });
    await expect(
      enableModel({ model: digits.model, output: join(tmp.dir, 'x.onnx'), data: digits.idTrain, oodValidation: ['x'] }),
    ).rejects.toMatchObject({ code: 'OOD_VAL_NEEDS_AUTO', kind: 'usage' });
  });
});
