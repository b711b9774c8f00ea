// The bundled example end to end through the library: calibrated on its held-out digits 0-7, the enabled model
// keeps its logits bit for bit and scores digits 8/9 and noise lower than the digits it knows.
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { enableModel } from '../../src/certainty/enable.js';
import { fixtures } from '../helpers/fixtures.js';
import { readNpy } from '../helpers/npy.js';
import {
  expectCheckerPasses,
  expectOriginalOutputsIdentical,
  expectWellFormedEnabled,
  mean,
  median,
  tempDir,
} from './harness.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
const digits = fixtures.digits;

/** Images stacked along the batch dimension. */
function concatImages(parts: ort.Tensor[]): ort.Tensor {
  const data = new Float32Array(parts.reduce((n, t) => n + t.data.length, 0));
  let at = 0;
  for (const t of parts) {
    data.set(t.data as Float32Array, at);
    at += t.data.length;
  }
  return new ort.Tensor('float32', data, [data.length / 64, 1, 8, 8]);
}

function feed(path: string): ort.Tensor {
  const a = readNpy(path);
  return new ort.Tensor('float32', a.data as Float32Array, a.shape);
}

describe('the digits example', () => {
  const id = feed(digits.calibration);
  const heldout = feed(digits.oodHeldout);
  const noise = feed(join(digits.dir, 'data', 'ood_noise.npy'));

  it.each(['energy', 'msp', 'maxlogit'])(
    'calibrated with %s, scores in [0,1], ID median near 0.5, OOD lower on average',
    async (method) => {
      const out = join(tmp.dir, `digits-${method}.onnx`);
      const progress: number[] = [];
      const result = await enableModel({
        model: digits.model,
        output: out,
        method,
        data: digits.calibration,
        batchSize: 50,
        onProgress: (d) => progress.push(d),
      });
      expect(progress).toEqual([50, 100, 150, 200, 250, 289]);
      expect(result.record.calibration?.samples).toBe(289);
      expectWellFormedEnabled(digits.model, out);
      await expectCheckerPasses(out, 13);
      const onId = (await expectOriginalOutputsIdentical(digits.model, out, { image: id })).ood_scores!
        .data as Float32Array;
      const onHeldout = (await expectOriginalOutputsIdentical(digits.model, out, { image: heldout })).ood_scores!
        .data as Float32Array;
      const onNoise = (await expectOriginalOutputsIdentical(digits.model, out, { image: noise })).ood_scores!
        .data as Float32Array;
      for (const s of [...onId, ...onHeldout, ...onNoise]) expect(s >= 0 && s <= 1).toBe(true);
      expect(Math.abs(median(onId) - 0.5)).toBeLessThan(0.02);
      expect(mean(onHeldout)).toBeLessThan(mean(onId));
      expect(mean(onNoise)).toBeLessThan(mean(onId));
    },
  );

  it('with msp, keeps the raw order of every ID and OOD digit, also below the lowest calibration score', async () => {
    // Float32 softmax saturates, so held-out digits and most OOD samples score below every training digit.
    // A flat clamp made them all tie at 0; the exponential tail must keep them apart, in the raw order.
    const out = join(tmp.dir, 'digits-msp-train.onnx');
    const rawOut = join(tmp.dir, 'digits-msp-raw.onnx');
    const result = await enableModel({ model: digits.model, output: out, method: 'msp', data: digits.idTrain });
    await enableModel({ model: digits.model, output: rawOut, method: 'msp' });
    const lowest = result.record.calibration!.quantiles[0]!;
    const all = { image: concatImages([id, heldout, feed(digits.oodInverted), noise]) };
    const y = (await expectOriginalOutputsIdentical(digits.model, out, all)).ood_scores!.data as Float32Array;
    const raw = (await expectOriginalOutputsIdentical(digits.model, rawOut, all)).ood_scores!.data as Float32Array;
    const order = Array.from(raw.keys()).sort((a, b) => raw[a]! - raw[b]!);
    const below = order.filter((i) => raw[i]! < lowest);
    expect(below.length).toBeGreaterThan(100);
    for (let j = 1; j < order.length; j++) {
      const [a, b] = [order[j - 1]!, order[j]!];
      expect(y[b]!).toBeGreaterThanOrEqual(y[a]!);
      if (raw[b]! > raw[a]! && raw[b]! < lowest) expect(y[b]!, `raw ${raw[a]} < ${raw[b]}`).toBeGreaterThan(y[a]!);
    }
    for (const i of below) expect(y[i]!).toBeGreaterThan(0);
    for (const v of y) expect(v >= 0 && v <= 1).toBe(true);
  });

  it('percentile normalization reproduces the seed rule clamp(score / p20) when every ID score is positive', async () => {
    const out = join(tmp.dir, 'digits-percentile.onnx');
    const rawOut = join(tmp.dir, 'digits-raw.onnx');
    const result = await enableModel({
      model: digits.model,
      output: out,
      data: digits.calibration,
      normalize: 'percentile',
      percentile: 20,
    });
    await enableModel({ model: digits.model, output: rawOut });
    const c = result.record.calibration!;
    expect(c.min).toBeGreaterThan(0);
    expect(c).toMatchObject({ percentile: 20, zero: 0 });
    await expectCheckerPasses(out, 13);
    const scores = (await expectOriginalOutputsIdentical(digits.model, out, { image: id })).ood_scores!
      .data as Float32Array;
    const raw = (await expectOriginalOutputsIdentical(digits.model, rawOut, { image: id })).ood_scores!
      .data as Float32Array;
    for (let i = 0; i < scores.length; i++)
      expect(scores[i]).toBeCloseTo(Math.min(1, Math.max(0, raw[i]! / c.anchor!)), 5);
    const ones = Array.from(scores).filter((s) => s === 1).length / scores.length;
    expect(ones).toBeGreaterThanOrEqual(0.79);
    expect(ones).toBeLessThanOrEqual(0.82);
    const onNoise = (await expectOriginalOutputsIdentical(digits.model, out, { image: noise })).ood_scores!
      .data as Float32Array;
    expect(mean(onNoise)).toBeLessThan(mean(scores));
  });

  it('calibrates from V2 inference-request JSON files, one request per file', async () => {
    const dir = join(tmp.dir, 'requests');
    const rows = 40;
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    const data = id.data as Float32Array;
    for (let f = 0; f < 4; f++) {
      const slice = Array.from(data.subarray(f * 10 * 64, (f + 1) * 10 * 64));
      writeFileSync(
        join(dir, `req-${f}.json`),
        JSON.stringify({ inputs: [{ name: 'image', datatype: 'FP32', shape: [10, 1, 8, 8], data: slice }] }),
      );
    }
    const out = join(tmp.dir, 'digits-json.onnx');
    const result = await enableModel({ model: digits.model, output: out, data: dir });
    expect(result.record.calibration?.samples).toBe(rows);
    const first = new ort.Tensor('float32', data.subarray(0, rows * 64), [rows, 1, 8, 8]);
    const scores = (await expectOriginalOutputsIdentical(digits.model, out, { image: first })).ood_scores!
      .data as Float32Array;
    expect(Math.abs(median(scores) - 0.5)).toBeLessThan(0.03);
  });

  it('writes byte-identical models when run twice on the same model and data', async () => {
    const a = join(tmp.dir, 'twice-a.onnx');
    const b = join(tmp.dir, 'twice-b.onnx');
    await enableModel({ model: digits.model, output: a, data: digits.calibration });
    await enableModel({ model: digits.model, output: b, data: digits.calibration, batchSize: 7 });
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
  });

  it('with --normalize none and data, keeps the raw score and records its calibration statistics', async () => {
    const out = join(tmp.dir, 'digits-none.onnx');
    const result = await enableModel({ model: digits.model, output: out, data: digits.calibration, normalize: 'none' });
    const c = result.record.calibration!;
    expect(result.record.normalization).toBe('none');
    // Quantiles are recorded as the float32 values the graph would hold, with 9 significant digits.
    expect([c.samples, c.levels.length, Math.fround(c.quantiles[0]!), Math.fround(c.quantiles[100]!)]).toEqual([
      289,
      101,
      Math.fround(c.min),
      Math.fround(c.max),
    ]);
    const scores = (await expectOriginalOutputsIdentical(digits.model, out, { image: id })).ood_scores!
      .data as Float32Array;
    expect(Math.min(...scores)).toBe(Math.fround(c.min));
    expect(median(scores)).toBeCloseTo(c.quantiles[50]!, 5);
  });

  it('uses the bundled sample.json request as calibration data', async () => {
    const out = join(tmp.dir, 'digits-sample.onnx');
    const result = await enableModel({ model: digits.model, output: out, data: digits.sample });
    expect(result.record.calibration?.samples).toBe(4);
    expect(result.record.calibration?.quantiles).toHaveLength(4);
  });
});
