// Enable works at every default-domain opset from 11 to 26 (the newest onnxruntime-node 1.30 runs), with the
// operator signatures of that opset, for every method, with and without calibration.
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { enableModel } from '../../src/certainty/enable.js';
import { OnnxModel } from '../../src/onnx/model.js';
import { fixtures, MLP_OPSETS } from '../helpers/fixtures.js';
import {
  expectCheckerPasses,
  expectOriginalOutputsIdentical,
  expectWellFormedEnabled,
  median,
  randomFloats,
  tempDir,
  writeNpyF32,
} from './harness.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

const calibration = join(tmp.dir, 'calibration.npy');
writeNpyF32(calibration, [200, 6], randomFloats(1200, 7));
const probe = new ort.Tensor('float32', randomFloats(60, 99), [10, 6]);
const calibFeed = new ort.Tensor('float32', randomFloats(1200, 7), [200, 6]);

function logSumExp(row: ArrayLike<number>): number {
  const max = Math.max(...Array.from(row));
  return max + Math.log(Array.from(row).reduce((s, v) => s + Math.exp(v - max), 0));
}

describe.each(MLP_OPSETS)('an MLP classifier at ai.onnx opset %i', (opset) => {
  const model = fixtures.mlp(opset);

  it.each(['energy', 'msp', 'maxlogit'])(
    "gains a %s score computed with the opset's own operator signatures",
    async (method) => {
      const out = join(tmp.dir, `mlp${opset}-${method}.onnx`);
      await enableModel({ model, output: out, method, temperature: method === 'maxlogit' ? 1 : 2 });
      const record = expectWellFormedEnabled(model, out);
      expect(record).toMatchObject({ method, normalization: 'none', logits: 'logits', output: 'ood_scores' });
      await expectCheckerPasses(out, opset);
      const after = await expectOriginalOutputsIdentical(model, out, { x: probe });
      const logits = after.logits!.data as Float32Array;
      const scores = after.ood_scores!.data as Float32Array;
      expect(after.ood_scores!.dims).toEqual([10, 1]);
      for (let r = 0; r < 10; r++) {
        const row = Array.from(logits.subarray(r * 5, r * 5 + 5));
        const t = method === 'maxlogit' ? 1 : 2;
        const scaled = row.map((v) => v / t);
        const expected =
          method === 'energy'
            ? t * logSumExp(scaled)
            : method === 'maxlogit'
              ? Math.max(...row)
              : Math.exp(Math.max(...scaled) - logSumExp(scaled));
        expect(scores[r]).toBeCloseTo(expected, 4);
      }
      // Axes are an attribute before opset 18 (13 for ReduceSum) and an input from then on.
      const enabled = OnnxModel.open(out);
      const reduce = enabled.info.graph.nodes.find((n) => n.opType.startsWith('Reduce'))!;
      enabled.close();
      expect(reduce.inputs.length).toBe(opset >= 18 ? 2 : 1);
      expect(reduce.attributes.some((a) => a.name === 'axes')).toBe(opset < 18);
    },
  );

  it('calibrates to [0, 1] with the median in-distribution score near 0.5', async () => {
    const out = join(tmp.dir, `mlp${opset}-cdf.onnx`);
    await enableModel({ model, output: out, data: calibration });
    const record = expectWellFormedEnabled(model, out);
    expect(record.normalization).toBe('cdf');
    expect(record.calibration?.samples).toBe(200);
    await expectCheckerPasses(out, opset);
    const after = await expectOriginalOutputsIdentical(model, out, { x: calibFeed });
    const scores = after.ood_scores!.data as Float32Array;
    for (const s of scores) expect(s >= 0 && s <= 1).toBe(true);
    expect(Math.abs(median(scores) - 0.5)).toBeLessThan(0.02);
    // The lowest of the 200 calibration samples sits at its plotting position 1/201 and the highest at 200/201,
    // leaving room for the exponential tails (up to float32 rounding of the knot sum).
    expect(Math.min(...scores)).toBeCloseTo(1 / 201, 5);
    expect(Math.max(...scores)).toBeCloseTo(200 / 201, 5);
  });
});
