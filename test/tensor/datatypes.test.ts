// The one datatype table: every vocabulary maps back to the same row, the typed arrays are the ones
// onnxruntime-node itself takes, integer ranges are what the arrays hold, and V2 names are the protocol's.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  DATA_TYPES,
  RUNNABLE_V2_DATATYPES,
  dataTypeFromNumpy,
  dataTypeFromOnnx,
  dataTypeFromOrt,
  dataTypeFromV2,
  isFloatType,
  v2Name,
} from '../../src/tensor/datatypes.js';
import { fromBfloat16Bits, toBfloat16Bits } from '../../src/onnx/float16.js';
import { PASSTHROUGH_TYPES } from '../helpers/fixtures.js';

describe('the datatype table', () => {
  it.each(DATA_TYPES.map((t) => [t.onnxName, t] as const))('finds %s again from each of its names', (_, t) => {
    expect(dataTypeFromOnnx(t.onnx)).toBe(t);
    if (t.v2) expect(dataTypeFromV2(t.v2)).toBe(t);
    if (t.ort) expect(dataTypeFromOrt(t.ort)).toBe(t);
    if (t.numpy) expect(dataTypeFromNumpy(t.numpy)).toBe(t);
    if (t.array) expect(t.array.BYTES_PER_ELEMENT).toBe(t.bytes);
  });

  it('numbers ONNX types as onnx.proto3 does (TensorProto.DataType 1..23, in order, each once)', () => {
    expect(DATA_TYPES.map((t) => t.onnx)).toEqual(Array.from({ length: 23 }, (_, i) => i + 1));
    expect(dataTypeFromOnnx(0)).toBeUndefined();
    expect(v2Name(1)).toBe('FP32');
    expect(v2Name(14)).toBe('ONNX_COMPLEX64');
    expect(v2Name(99)).toBe('ONNX_99');
  });

  it.each(DATA_TYPES.filter((t) => t.ort).map((t) => [t.ort!, t] as const))(
    'holds %s in the typed array onnxruntime-node builds for it',
    (ortType, t) => {
      const made = new ort.Tensor(ortType as ort.Tensor.Type, t.array ? new t.array(3) : ['a', 'b', 'c'], [3]);
      expect(made.type).toBe(ortType);
      if (t.array) expect(made.data).toBeInstanceOf(t.array);
      else expect(Array.isArray(made.data)).toBe(true);
    },
  );

  it.each(DATA_TYPES.filter((t) => t.range).map((t) => [t.v2!, t] as const))(
    'gives %s the range its typed array holds exactly',
    (_, t) => {
      const [lo, hi] = t.range!;
      const a = new t.array!(4) as unknown as (number | bigint)[];
      const big = t.bytes === 8;
      const as = (b: bigint) => (big ? b : Number(b));
      a[0] = as(lo);
      a[1] = as(hi);
      a[2] = big ? (as(hi + 1n) as bigint) % 2n ** 64n : as(hi + 1n);
      expect([a[0], a[1]]).toEqual([as(lo), as(hi)]);
      expect(a[2]).not.toEqual(as(hi + 1n)); // one past the top wraps
    },
  );

  it('names exactly the datatypes of the Open Inference Protocol, and every one its OpenAPI examples use', () => {
    // The OpenAPI file has no datatype enum; the names are the "Tensor Data Types" table of inference_rest.md,
    // with BF16 as KServe added it (kserve/kserve#2159) for Triton's TYPE_BF16.
    const spec = readFileSync('/work/shared/specs/open_inference_rest.yaml', 'utf8');
    expect(parseYaml(spec)).toHaveProperty('openapi');
    const v2 = DATA_TYPES.filter((t) => t.v2).map((t) => t.v2);
    // Every datatype onnxruntime-node carries (the passthrough fixtures), and BF16, which it does not.
    expect(v2.sort()).toEqual([...PASSTHROUGH_TYPES, 'BF16'].sort());
    const used = spec.match(/datatype: ([A-Z0-9]+)/g) ?? [];
    expect(used.length).toBeGreaterThan(0);
    for (const name of used) expect(v2).toContain(name.split(' ')[1]);
  });

  it('runs every V2 datatype onnxruntime-node carries, and not BF16, which it does not', () => {
    expect(RUNNABLE_V2_DATATYPES).toContain('FP16');
    expect(RUNNABLE_V2_DATATYPES).toContain('BYTES');
    expect(RUNNABLE_V2_DATATYPES).not.toContain('BF16');
    expect(RUNNABLE_V2_DATATYPES).toHaveLength(13);
  });

  it('calls FP16, FP32, FP64 and BF16 floating point, and nothing else', () => {
    expect(DATA_TYPES.filter((t) => isFloatType(t.onnx)).map((t) => t.v2)).toEqual(['FP32', 'FP16', 'FP64', 'BF16']);
  });
});

describe('bfloat16', () => {
  it('keeps the high half of binary32, rounding to nearest even', () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3f80],
      [-2, 0xc000],
      [3.140625, 0x4049],
      [1 + 2 ** -8, 0x3f80], // halfway between 0x3f80 and 0x3f81: to the even one
      [1 + 3 * 2 ** -8, 0x3f82], // halfway between 0x3f81 and 0x3f82: to the even one
      [Infinity, 0x7f80],
      [-Infinity, 0xff80],
      [3.4e38, 0x7f80], // rounds past the largest bfloat16 to infinity
    ];
    for (const [value, bits] of cases) expect(toBfloat16Bits(value), String(value)).toBe(bits);
    expect(Number.isNaN(fromBfloat16Bits(toBfloat16Bits(NaN)))).toBe(true);
    for (let bits = 0; bits < 0x7f80; bits += 13) expect(toBfloat16Bits(fromBfloat16Bits(bits))).toBe(bits);
  });
});
