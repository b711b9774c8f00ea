// The normalization maps, checked as numbers and as ONNX subgraphs run by onnxruntime-node.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { lenField, stringField, varintField } from '../../src/onnx/wire.js';
import { encodeGraphOutput, encodeOpsetImport, encodeTensorValueInfo } from '../../src/onnx/encode.js';
import * as F from '../../src/onnx/proto-fields.js';
import { OpBuilder } from '../../src/onnx/op-builder.js';
import { buildCdfMap, cdfKnots } from '../../src/certainty/normalize-cdf.js';
import { buildPercentileMap, percentileMap } from '../../src/certainty/normalize-percentile.js';
import { quantile, sortScores } from '../../src/certainty/statistics.js';

/** A model x FP32 [N, 1] -> y FP32 [N, 1] made of whatever `build` appends. */
async function runMap(opset: number, build: (b: OpBuilder) => void, xs: number[]): Promise<Float32Array> {
  const b = new OpBuilder({ opset, used: new Set(['x', 'y']), prefix: 'ood/' });
  build(b);
  const graph = Buffer.concat([
    ...b.nodes, ...b.initializers, stringField(F.Graph.name, 'map'),
    lenField(F.Graph.input, encodeTensorValueInfo('x', 1, ['N', 1])), encodeGraphOutput('y', 1, ['N', 1]),
  ]);
  const model = Buffer.concat([varintField(F.Model.irVersion, opset >= 21 ? 10 : 8), encodeOpsetImport('', opset), lenField(F.Model.graph, graph)]);
  const session = await ort.InferenceSession.create(model);
  const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from(xs), [xs.length, 1]) });
  await session.release();
  return out.y!.data as Float32Array;
}

describe('the empirical CDF map', () => {
  it('sends each calibration sample to the fraction of samples below it when there are at most 101', async () => {
    const scores = [-3, 7, 1.5, 0, 2, -1, 10, 4, 5, 3];
    const knots = cdfKnots(sortScores(scores));
    const y = await runMap(13, (b) => buildCdfMap(b, 'x', knots, 'y'), scores);
    const sorted = [...scores].sort((a, b) => a - b);
    scores.forEach((s, i) => expect(y[i]).toBeCloseTo(sorted.indexOf(s) / (scores.length - 1), 5));
  });

  it('interpolates linearly between knots and clamps outside the calibration range', async () => {
    const knots = cdfKnots(sortScores([0, 10, 20]));
    const y = await runMap(18, (b) => buildCdfMap(b, 'x', knots, 'y'), [-100, 0, 5, 10, 15, 20, 1e6]);
    expect(Array.from(y).map((v) => Number(v.toFixed(5)))).toEqual([0, 0, 0.25, 0.5, 0.75, 1, 1]);
  });

  it('is monotone with 101 knots over many samples and merges ties into one knot at their middle level', async () => {
    const many = Array.from({ length: 1000 }, (_, i) => (i < 400 ? 1 : Math.sin(i) * 3));
    const knots = cdfKnots(sortScores(many));
    for (let i = 1; i < knots.x.length; i++) {
      expect(knots.x[i]!).toBeGreaterThan(knots.x[i - 1]!);
      expect(knots.y[i]!).toBeGreaterThanOrEqual(knots.y[i - 1]!);
    }
    const tie = knots.x.indexOf(1);
    expect(tie).toBeGreaterThan(0);
    const sorted = sortScores(many);
    const below = sorted.findIndex((v) => v === 1) / (many.length - 1);
    const above = sorted.findLastIndex((v) => v === 1) / (many.length - 1);
    expect(knots.y[tie]!).toBeGreaterThan(below - 0.011);
    expect(knots.y[tie]!).toBeLessThan(above + 0.011);
    const y = await runMap(11, (b) => buildCdfMap(b, 'x', knots, 'y'), [-10, 1, 10]);
    expect(y[0]).toBe(0);
    expect(y[1]).toBeCloseTo(knots.y[tie]!, 5);
    expect(y[2]).toBeCloseTo(1, 5);
  });

  it('maps a data set of identical scores to 0.5 there, 0 below and 1 above', async () => {
    const knots = cdfKnots(sortScores([-2, -2, -2, -2]));
    const y = await runMap(26, (b) => buildCdfMap(b, 'x', knots, 'y'), [-3, -2, -1]);
    expect(Array.from(y).map((v) => Number(v.toFixed(4)))).toEqual([0, 0.5, 1]);
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
      const result = await enableModel({ model: fixtures.passthrough('FP32'), output: out, method: 'maxlogit', data, normalize: 'percentile' });
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
