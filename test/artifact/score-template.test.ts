import { describe, expect, it } from 'vitest';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { fixtures, PASSTHROUGH_TYPES, type PassthroughType } from '../helpers/fixtures.js';
import { tempDir } from './artifact-helpers.js';
import type { NamedTensor } from '../../src/tensor/tensor.js';

const score = (await import(new URL('../../templates/score.mjs', import.meta.url).href)) as {
  load: (dir: string, ctx: unknown) => Promise<unknown>;
  predict: (m: unknown, r: { inputs: NamedTensor[]; outputs?: string[] }) => Promise<{ outputs: NamedTensor[] }>;
  preprocess: (r: unknown, m: unknown) => unknown;
  postprocess: (r: unknown, m: unknown) => unknown;
};

async function loadPassthrough(datatype: PassthroughType): Promise<unknown> {
  const dir = await tempDir('ood-score-');
  await copyFile(fixtures.passthrough(datatype), join(dir, 'model.onnx'));
  return score.load(dir, { ort });
}

/** Six values per datatype, as plain JSON would carry them, and the typed form the server passes. */
const PLAIN: Record<PassthroughType, unknown[]> = {
  BOOL: [true, false, true, true, false, false],
  UINT8: [0, 1, 2, 253, 254, 255],
  UINT16: [0, 1, 2, 65533, 65534, 65535],
  UINT32: [0, 1, 2, 3, 4, 4294967295],
  UINT64: [0, 1, 2, 3, 4, 5],
  INT8: [-128, -1, 0, 1, 2, 127],
  INT16: [-32768, -1, 0, 1, 2, 32767],
  INT32: [-2147483648, -1, 0, 1, 2, 2147483647],
  INT64: [-5, -1, 0, 1, 2, 9007199254740991],
  FP16: [0, 0.5, -2, 1024, 65504, -0.25],
  FP32: [0, 0.5, -2.25, 1e-3, 3.5e5, -1],
  FP64: [0, 0.1, -2.2, 1e-300, 1e300, -1],
  BYTES: ['a', '', 'hello', 'ü', '💡', 'z'],
};
const HALF_BITS = [0x0000, 0x3800, 0xc000, 0x6400, 0x7bff, 0xb400];

function expected(datatype: PassthroughType): unknown[] {
  if (datatype === 'BOOL') return (PLAIN.BOOL as boolean[]).map((b) => (b ? 1 : 0));
  if (datatype === 'FP16') return HALF_BITS;
  if (datatype === 'UINT64' || datatype === 'INT64') return PLAIN[datatype].map((v) => BigInt(v as number));
  if (datatype === 'FP32') return Array.from(Float32Array.from(PLAIN.FP32 as number[]));
  return PLAIN[datatype];
}

describe('templates/score.mjs', () => {
  it.each(PASSTHROUGH_TYPES)(
    'round-trips %s through onnxruntime from plain arrays, with the V2 datatype on the way out',
    async (datatype) => {
      const model = await loadPassthrough(datatype);
      const { outputs } = await score.predict(model, {
        inputs: [{ name: 'x', datatype, shape: [2, 3], data: PLAIN[datatype] as never }],
      });
      expect(outputs).toHaveLength(1);
      expect(outputs[0]!.name).toBe('y');
      expect(outputs[0]!.datatype).toBe(datatype);
      expect(outputs[0]!.shape).toEqual([2, 3]);
      const got = Array.from(outputs[0]!.data as ArrayLike<unknown>, (v) => (datatype === 'BOOL' ? Number(v) : v));
      expect(got).toEqual(expected(datatype));
    },
  );

  it('passes typed arrays to onnxruntime without converting them', async () => {
    const model = await loadPassthrough('FP32');
    const data = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const { outputs } = await score.predict(model, { inputs: [{ name: 'x', datatype: 'FP32', shape: [2, 3], data }] });
    expect(Array.from(outputs[0]!.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('returns only the outputs a request asks for, in its order', async () => {
    const dir = await tempDir('ood-score-');
    await copyFile(fixtures.multiIo, join(dir, 'model.onnx'));
    const model = await score.load(dir, { ort });
    const inputs: NamedTensor[] = [
      { name: 'a', datatype: 'FP32', shape: [1, 3], data: Float32Array.from([1, 2, 3]) },
      { name: 'b', datatype: 'INT64', shape: [1, 2], data: BigInt64Array.from([1n, 2n]) },
    ];
    const all = await score.predict(model, { inputs });
    expect(all.outputs.map((o) => o.name)).toEqual(['logits', 'label']);
    const one = await score.predict(model, { inputs, outputs: ['label'] });
    expect(one.outputs.map((o) => [o.name, o.datatype])).toEqual([['label', 'INT64']]);
  });

  it('refuses to load without onnxruntime in the context, and rejects an unknown datatype by name', async () => {
    await expect(score.load('/nonexistent', {})).rejects.toThrow(/context\.ort/);
    const model = await loadPassthrough('FP32');
    await expect(
      score.predict(model, { inputs: [{ name: 'x', datatype: 'COMPLEX', shape: [1], data: [1] }] }),
    ).rejects.toThrow(/"x" has datatype COMPLEX/);
  });

  it('ships identity preprocess and postprocess hooks for users to edit', () => {
    const req = { inputs: [] };
    expect(score.preprocess(req, {})).toBe(req);
    expect(score.postprocess(req, {})).toBe(req);
  });
});
