// Models beyond a plain FP32 MLP: FP16/FP64 logits (cast to FP32), ai.onnx.ml nodes (left alone), external
// data (kept working when written elsewhere), and several inputs (calibrated from one .npy per input).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { enableModel } from '../../src/certainty/enable.js';
import { OnnxModel } from '../../src/onnx/model.js';
import { toHalfBits } from '../../src/onnx/float16.js';
import { fixtures } from '../helpers/fixtures.js';
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

const lse = (row: number[]) => {
  const m = Math.max(...row);
  return m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
};

describe('enable on other kinds of models', () => {
  it('casts FP16 logits to FP32 and scores them', async () => {
    const out = join(tmp.dir, 'fp16.onnx');
    await enableModel({ model: fixtures.passthrough('FP16'), output: out });
    expectWellFormedEnabled(fixtures.passthrough('FP16'), out);
    await expectCheckerPasses(out, 13);
    const values = [0.5, -1, 2, 3, 0, 0.25];
    const x = new ort.Tensor('float16', Uint16Array.from(values.map(toHalfBits)), [2, 3]);
    const after = await expectOriginalOutputsIdentical(fixtures.passthrough('FP16'), out, { x });
    expect(after.ood_scores!.type).toBe('float32');
    expect(after.ood_scores!.data[0]).toBeCloseTo(lse(values.slice(0, 3)), 3);
    expect(after.ood_scores!.data[1]).toBeCloseTo(lse(values.slice(3)), 3);
  });

  it('casts FP64 logits to FP32 and scores them', async () => {
    const out = join(tmp.dir, 'fp64.onnx');
    await enableModel({ model: fixtures.passthrough('FP64'), output: out, method: 'msp' });
    await expectCheckerPasses(out, 13);
    const x = new ort.Tensor('float64', Float64Array.from([1, 2, 3]), [1, 3]);
    const after = await expectOriginalOutputsIdentical(fixtures.passthrough('FP64'), out, { x });
    expect(after.ood_scores!.data[0]).toBeCloseTo(Math.exp(3 - lse([1, 2, 3])), 5);
  });

  it('leaves ai.onnx.ml nodes and the string label output untouched', async () => {
    const out = join(tmp.dir, 'onnx-ml.onnx');
    const data = join(tmp.dir, 'ml.npy');
    writeNpyF32(data, [50, 6], randomFloats(300, 11));
    const result = await enableModel({ model: fixtures.mlpOnnxMl, output: out, data });
    expect(result.record.logits).toBe('logits');
    expectWellFormedEnabled(fixtures.mlpOnnxMl, out);
    await expectCheckerPasses(out, 13);
    const before = OnnxModel.open(fixtures.mlpOnnxMl);
    const after = OnnxModel.open(out);
    const mlNodes = (m: OnnxModel) => m.info.graph.nodes.filter((n) => n.domain === 'ai.onnx.ml');
    expect(mlNodes(after)).toEqual(mlNodes(before));
    expect(after.info.graph.nodes.filter((n) => n.name.startsWith('ood/')).every((n) => n.domain === '')).toBe(true);
    before.close();
    after.close();
    const x = new ort.Tensor('float32', randomFloats(300, 11), [50, 6]);
    const outputs = await expectOriginalOutputsIdentical(fixtures.mlpOnnxMl, out, { x });
    expect(Math.abs(median(outputs.ood_scores!.data as Float32Array) - 0.5)).toBeLessThan(0.03);
  });

  it('copies external data next to an output in another folder, and calibrates through it', async () => {
    const dir = join(tmp.dir, 'elsewhere');
    mkdirSync(dir);
    const out = join(dir, 'enabled.onnx');
    const data = join(tmp.dir, 'ext.npy');
    writeNpyF32(data, [40, 6], randomFloats(240, 5));
    const result = await enableModel({ model: fixtures.externalData.model, output: out, data });
    expect(result.externalDataCopied).toEqual(['weights.bin']);
    expect(readFileSync(join(dir, 'weights.bin')).equals(readFileSync(fixtures.externalData.weights))).toBe(true);
    expectWellFormedEnabled(fixtures.externalData.model, out);
    await expectCheckerPasses(out, 13);
    const x = new ort.Tensor('float32', randomFloats(240, 5), [40, 6]);
    const outputs = await expectOriginalOutputsIdentical(fixtures.externalData.model, out, { x });
    expect(Math.abs(median(outputs.ood_scores!.data as Float32Array) - 0.5)).toBeLessThan(0.03);
    expect(existsSync(join(dir, 'enabled.onnx'))).toBe(true);
  });

  it('calibrates a two-input model from a folder with one .npy per input', async () => {
    const dir = join(tmp.dir, 'multi');
    mkdirSync(dir);
    writeNpyF32(join(dir, 'a.npy'), [30, 3], randomFloats(90, 2));
    // b is INT64 in the model; a float array of the wrong family is refused, so write int64 by hand.
    const ints = BigInt64Array.from({ length: 60 }, (_, i) => BigInt(i % 5));
    const header = "{'descr': '<i8', 'fortran_order': False, 'shape': (30, 2), }";
    const padded = header + ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
    const head = Buffer.alloc(10);
    head.write('\x93NUMPY', 0, 'latin1');
    head[6] = 1;
    head.writeUInt16LE(padded.length, 8);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'b.npy'), Buffer.concat([head, Buffer.from(padded, 'latin1'), Buffer.from(ints.buffer)]));
    const out = join(tmp.dir, 'multi.onnx');
    const result = await enableModel({ model: fixtures.multiIo, output: out, data: dir, batchSize: 7 });
    expect(result.record.calibration?.samples).toBe(30);
    await expectCheckerPasses(out, 13);
    const feeds = {
      a: new ort.Tensor('float32', randomFloats(90, 2), [30, 3]),
      b: new ort.Tensor('int64', ints, [30, 2]),
    };
    const outputs = await expectOriginalOutputsIdentical(fixtures.multiIo, out, feeds);
    expect(Math.abs(median(outputs.ood_scores!.data as Float32Array) - 0.5)).toBeLessThan(0.03);
  });
});
