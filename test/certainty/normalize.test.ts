// The normalization maps, checked as numbers and as ONNX subgraphs run by onnxruntime-node (and onnx.checker).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { lenField, stringField, varintField } from '../../src/onnx/wire.js';
import { encodeGraphOutput, encodeOpsetImport, encodeTensorValueInfo } from '../../src/onnx/encode.js';
import * as F from '../../src/onnx/proto-fields.js';
import { OpBuilder } from '../../src/onnx/op-builder.js';
import { buildCdfMap, cdfKnots, tailSpread } from '../../src/certainty/normalize-cdf.js';
import { buildPercentileMap, percentileMap } from '../../src/certainty/normalize-percentile.js';
import { quantile, sortScores, toFloat32Record } from '../../src/certainty/statistics.js';
import { expectCheckerPasses, median, randomFloats, tempDir } from './harness.js';

/** A model x FP32 [N, 1] -> y FP32 [N, 1] made of whatever `build` appends, serialized. */
function mapModel(opset: number, build: (b: OpBuilder) => void): Buffer {
  const b = new OpBuilder({ opset, used: new Set(['x', 'y']), prefix: 'ood/' });
  build(b);
  const graph = Buffer.concat([
    ...b.nodes,
    ...b.initializers,
    stringField(F.Graph.name, 'map'),
    lenField(F.Graph.input, encodeTensorValueInfo('x', 1, ['N', 1])),
    encodeGraphOutput('y', 1, ['N', 1]),
  ]);
  return Buffer.concat([
    varintField(F.Model.irVersion, opset >= 21 ? 10 : 8),
    encodeOpsetImport('', opset),
    lenField(F.Model.graph, graph),
  ]);
}

/** Run the map model on `xs` with onnxruntime-node. */
async function runMap(opset: number, build: (b: OpBuilder) => void, xs: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(mapModel(opset, build));
  const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from(xs), [xs.length, 1]) });
  await session.release();
  return out.y!.data as Float32Array;
}

const rounded = (y: Float32Array, digits: number) => Array.from(y).map((v) => Number(v.toFixed(digits)));

describe('the empirical CDF map', () => {
  it('sends the k-th of n calibration samples to k / (n + 1) when there are at most 101', async () => {
    const scores = [-3, 7, 1.5, 0, 2, -1, 10, 4, 5, 3];
    const knots = cdfKnots(sortScores(scores));
    const y = await runMap(13, (b) => buildCdfMap(b, 'x', knots, 'y'), scores);
    const sorted = [...scores].sort((a, b) => a - b);
    scores.forEach((s, i) => expect(y[i]).toBeCloseTo((sorted.indexOf(s) + 1) / 11, 6));
  });

  it('interpolates linearly between knots and decays hyperbolically outside them, with scale IQR / 1.349', async () => {
    // Knots (0, 1/4), (10, 2/4), (20, 3/4). IQR = 15 - 5 = 10, so s = 10 / 1.349 = 7.41290. At a distance d
    // beyond an end knot the gap to 0 (below) or 1 (above) is 0.25 * s / (s + d):
    // d = 10: 0.25 * 7.4129 / 17.4129 = 0.106428; d = 100: 0.25 * 7.4129 / 107.4129 = 0.017253.
    const knots = cdfKnots(sortScores([0, 10, 20]));
    expect(knots).toEqual({ x: [0, 10, 20], y: [0.25, 0.5, 0.75], spread: toFloat32Record(10 / 1.349) });
    const y = await runMap(18, (b) => buildCdfMap(b, 'x', knots, 'y'), [-100, -10, 0, 5, 10, 15, 20, 30, 120, 1e6]);
    expect(rounded(y, 6)).toEqual([0.017253, 0.106428, 0.25, 0.375, 0.5, 0.625, 0.75, 0.893572, 0.982747, 0.999998]);
  });

  it('is monotone with 101 knots over many samples and merges ties into one knot at their middle level', async () => {
    const many = Array.from({ length: 1000 }, (_, i) => (i < 400 ? 1 : Math.sin(i) * 3));
    const knots = cdfKnots(sortScores(many));
    for (let i = 1; i < knots.x.length; i++) {
      expect(knots.x[i]!).toBeGreaterThan(knots.x[i - 1]!);
      expect(knots.y[i]!).toBeGreaterThan(knots.y[i - 1]!);
    }
    expect([knots.y[0], knots.y[knots.y.length - 1]]).toEqual(
      [1 / 1001, 1000 / 1001].map((v) => Number(v.toPrecision(9))),
    );
    const tie = knots.x.indexOf(1);
    expect(tie).toBeGreaterThan(0);
    const sorted = sortScores(many);
    const below = (sorted.findIndex((v) => v === 1) + 1) / 1001;
    const above = (sorted.findLastIndex((v) => v === 1) + 1) / 1001;
    expect(knots.y[tie]!).toBeGreaterThan(below - 0.011);
    expect(knots.y[tie]!).toBeLessThan(above + 0.011);
    const y = await runMap(11, (b) => buildCdfMap(b, 'x', knots, 'y'), [
      -10,
      knots.x[0]!,
      1,
      knots.x[knots.x.length - 1]!,
      10,
    ]);
    expect(y[0]).toBeGreaterThan(0);
    expect(y[0]).toBeLessThan(y[1]!);
    expect(y[1]).toBeCloseTo(knots.y[0]!, 7);
    expect(y[2]).toBeCloseTo(knots.y[tie]!, 5);
    expect(y[3]).toBeCloseTo(knots.y[knots.y.length - 1]!, 6);
    expect(y[4]).toBeGreaterThan(y[3]!);
    expect(y[4]).toBeLessThanOrEqual(1);
  });

  it('maps a data set of identical scores to 0.5 there and falls off with the floor scale 1e-4 * max(1, |x|)', async () => {
    const knots = cdfKnots(sortScores([-2, -2, -2, -2]));
    expect(knots).toEqual({ x: [-2], y: [0.5], spread: toFloat32Record(2e-4) });
    // s = 2e-4. At d = 1e-4 the gap is 0.5 * 2 / 3 = 0.333333; at d = 1 it is 0.5 * 2e-4 / 1.0002 = 9.998e-5.
    const y = await runMap(26, (b) => buildCdfMap(b, 'x', knots, 'y'), [-3, -2.0001, -2, -1.9999, -1]);
    expect(y[0]! / 9.998e-5).toBeCloseTo(1, 3);
    expect(rounded(y.subarray(1, 4), 3)).toEqual([0.333, 0.5, 0.667]);
    expect((1 - y[4]!) / 9.998e-5).toBeCloseTo(1, 2);
  });

  it('falls back to the standard deviation for the tails when more than half of the scores tie', () => {
    const sorted = sortScores([0, 1, 1, 1, 1, 1, 1, 2]);
    // IQR is 0; population std = sqrt(2 / 8) = 0.5.
    expect(tailSpread(sorted)).toBe(0.5);
    expect(cdfKnots(sorted).spread).toBe(0.5);
  });
});

describe('the CDF map outside the calibration range', () => {
  // A skewed calibration set (500 samples), like a softmax or distance score: spread and knots are uneven.
  const calibration = Array.from(randomFloats(500, 7), (u) => Math.exp(2 * u));
  const knots = cdfKnots(sortScores(calibration));
  const s = knots.spread;
  const first = knots.x[0]!;
  const last = knots.x[knots.x.length - 1]!;
  // Far below: distances of 2^-10 to 2^120 spreads (raw scores down to about -1e36). Far above: up to 2^10
  // spreads, where 1 - y = (1 - l_K) / 1025 ~ 2e-6 still spans 30 float32 steps below 1. Inside: 400 even steps.
  const powers = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => 2 ** (from + i));
  const sweep = [
    ...powers(-10, 120)
      .reverse()
      .map((d) => first - s * d),
    ...Array.from({ length: 401 }, (_, i) => first + ((last - first) * (i + 0.5)) / 402),
    ...[0, ...powers(-10, 10)].map((d) => last + s * d),
  ].map(Math.fround);

  it.each([11, 13, 17, 18, 21, 26])(
    'is strictly increasing and within [0, 1] on a sweep far below and above the knots, at opset %i',
    async (opset) => {
      for (let i = 1; i < sweep.length; i++) expect(sweep[i]!).toBeGreaterThan(sweep[i - 1]!);
      const y = await runMap(opset, (b) => buildCdfMap(b, 'x', knots, 'y'), sweep);
      expect(y[0]).toBeGreaterThan(0);
      expect(y[y.length - 1]).toBeLessThan(1);
      for (let i = 1; i < y.length; i++) expect(y[i]!, `at raw score ${sweep[i]}`).toBeGreaterThan(y[i - 1]!);
      expect(y[0]! / (knots.y[0]! * 2 ** -120)).toBeCloseTo(1, 4); // l_0 * s / (s + 2^120 s)
    },
  );

  it('reaches 0 only at -Infinity, and flattens near 1 only where 1 - y is below float32 resolution', async () => {
    const y = await runMap(13, (b) => buildCdfMap(b, 'x', knots, 'y'), [
      -3e38,
      -Infinity,
      last + s * 2 ** 10,
      last + s * 2 ** 20,
      last + s * 2 ** 30,
      Infinity,
    ]);
    expect(y[0]).toBeGreaterThan(0);
    expect(y[1]).toBe(0);
    // (1 - l_K) / 2^20 ~ 2e-9 is below the float32 step at 1 (6e-8): from there on the score is constant, 1 up
    // to the float32 rounding of the 100-term knot sum (about 1e-6).
    expect(y[2]).toBeLessThan(y[3]!);
    expect([y[4], y[5]]).toEqual([y[3], y[3]]);
    expect(1 - y[3]!).toBeLessThan(3e-6);
  });

  it('keeps the calibration median at 0.5 and each calibration sample within a knot interval of its plotting position', async () => {
    const y = await runMap(17, (b) => buildCdfMap(b, 'x', knots, 'y'), calibration);
    expect(median(y)).toBeCloseTo(0.5, 3);
    const sorted = [...calibration].sort((a, b) => a - b);
    calibration.forEach((c, i) => expect(Math.abs(y[i]! - (sorted.indexOf(c) + 1) / 501)).toBeLessThan(0.01)); // one knot interval
  });

  it('passes onnx.checker with full_check at opsets 11 to 17', async () => {
    const tmp = tempDir('ood-cdf-map-');
    try {
      for (const opset of [11, 13, 17]) {
        const path = join(tmp.dir, `cdf-${opset}.onnx`);
        writeFileSync(
          path,
          mapModel(opset, (b) => buildCdfMap(b, 'x', knots, 'y')),
        );
        await expectCheckerPasses(path, opset);
      }
    } finally {
      tmp.cleanup();
    }
  });
});

describe('the percentile map', () => {
  it('is exactly the seed rule clamp(x / q_p) when every score is positive', async () => {
    const sorted = sortScores([2, 4, 6, 8, 10, 12]);
    const m = percentileMap(sorted, 20);
    expect(m.zero).toBe(0);
    expect(m.anchor).toBeCloseTo(quantile(sorted, 0.2), 6);
    const y = await runMap(13, (b) => buildPercentileMap(b, 'x', m, 'y'), [0, 2, 3, m.anchor, 100, -5]);
    expect(y[0]).toBe(0);
    expect(y[1]).toBeCloseTo(2 / m.anchor, 6);
    expect(y[2]).toBeCloseTo(3 / m.anchor, 6);
    expect(y[3]).toBe(1);
    expect(y[4]).toBe(1);
    expect(y[5]).toBe(0);
  });

  it('stays monotone for negative scores, where dividing by q_p would invert the order', async () => {
    const scores = [-9, -7, -6, -5, -4, -3, -2, -1.5, -1, -0.5];
    const m = percentileMap(sortScores(scores), 20);
    expect(m.zero).toBeCloseTo(2 * -9 - m.anchor, 5);
    const y = await runMap(17, (b) => buildPercentileMap(b, 'x', m, 'y'), [-30, ...scores]);
    expect(y[0]).toBe(0);
    expect(y[1]).toBeCloseTo(0.5, 5); // the lowest in-distribution score
    for (let i = 2; i < y.length; i++) expect(y[i]!).toBeGreaterThanOrEqual(y[i - 1]!);
    expect(Array.from(y).filter((v) => v === 1).length).toBe(8); // at or above q_20
  });

  it('falls back to a unit scale when most scores tie at the minimum', () => {
    const m = percentileMap(sortScores([-1, -1, -1, -1, 5]), 20);
    expect(m.anchor).toBe(-1);
    expect(m.zero).toBe(-2);
  });
});

describe('percentile normalization through enableModel', () => {
  it('keeps the order of negative scores, maps the lowest ID score to 0.5 and the top 80% to 1', async () => {
    const { join } = await import('node:path');
    const { enableModel } = await import('../../src/certainty/enable.js');
    const { fixtures } = await import('../helpers/fixtures.js');
    const { tempDir, writeNpyF32, runModel } = await import('./harness.js');
    const tmp = tempDir();
    try {
      // Identity [batch, 3]: the "logits" are the data, so maxlogit scores are the row maxima, all negative.
      const rows = Array.from({ length: 10 }, (_, i) => [-20 - i, -10 - i, -5 - i]);
      const data = join(tmp.dir, 'neg.npy');
      writeNpyF32(data, [10, 3], Float32Array.from(rows.flat()));
      const out = join(tmp.dir, 'neg.onnx');
      const result = await enableModel({
        model: fixtures.passthrough('FP32'),
        output: out,
        method: 'maxlogit',
        data,
        normalize: 'percentile',
      });
      const c = result.record.calibration!;
      expect(c.min).toBe(-14);
      expect(c.zero).toBeLessThan(c.min);
      const x = new ort.Tensor('float32', Float32Array.from(rows.flat()), [10, 3]);
      const y = (await runModel(out, { x })).ood_scores!.data as Float32Array;
      // Row i scores -5 - i: decreasing in i, so normalized scores must not increase.
      for (let i = 1; i < 10; i++) expect(y[i]!).toBeLessThanOrEqual(y[i - 1]!);
      expect(y[9]).toBeCloseTo(0.5, 5);
      expect(Array.from(y).filter((v) => v === 1)).toHaveLength(8);
    } finally {
      tmp.cleanup();
    }
  });
});
