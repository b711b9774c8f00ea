// The tensor codecs on their own: V2 JSON (flat and nested) into typed arrays, FP16 rounding, JSON rendering of
// non-finite floats, and the binary extension's BYTES framing.
import { describe, expect, it } from 'vitest';
import { decodeJsonTensor, encodeJsonData, nest } from '../../src/tensor/json-codec.js';
import { decodeBinaryTensor, encodeBinaryTensor, splitBinaryBody } from '../../src/tensor/binary-codec.js';
import { fromHalfBits, toHalfBits } from '../../src/onnx/float16.js';
import { decodeCsv } from '../../src/serve/csv.js';

describe('FP16', () => {
  it('rounds to the nearest half and back, covering subnormals, overflow and NaN', () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [65504, 0x7bff],
      [65520, 0x7c00],
      [1e9, 0x7c00],
      [-Infinity, 0xfc00],
      [2 ** -24, 0x0001],
      [2 ** -14, 0x0400],
      [0.333, 0x3554],
      [2 ** -26, 0x0000],
    ];
    for (const [value, bits] of cases) expect(toHalfBits(value), String(value)).toBe(bits);
    expect(Number.isNaN(fromHalfBits(toHalfBits(NaN)))).toBe(true);
    for (let bits = 0; bits < 0x7c00; bits += 7) expect(toHalfBits(fromHalfBits(bits))).toBe(bits);
  });
});

describe('V2 JSON tensors', () => {
  it('decode nested and flat data into the same typed array', () => {
    const flat = decodeJsonTensor('x', 'INT16', [2, 2], [1, -2, 3, -4]);
    const nested = decodeJsonTensor(
      'x',
      'INT16',
      [2, 2],
      [
        [1, -2],
        [3, -4],
      ],
    );
    expect(flat.data).toBeInstanceOf(Int16Array);
    expect(Array.from(nested.data as Int16Array)).toEqual([1, -2, 3, -4]);
    expect(Array.from(flat.data as Int16Array)).toEqual([1, -2, 3, -4]);
  });

  it('name the tensor and the count when data is too long or too short', () => {
    expect(() => decodeJsonTensor('x', 'FP32', [2, 2], [1, 2, 3, 4, 5])).toThrow(
      'input "x": shape [2, 2] needs 4 elements, got 5',
    );
    expect(() => decodeJsonTensor('x', 'FP32', [2, 2], [[1], [2]])).toThrow('needs 4 elements, got 2');
  });

  it('write non-finite floats as the strings "NaN", "Infinity", "-Infinity", which tensor_data allows', () => {
    const text = encodeJsonData({
      name: 'y',
      datatype: 'FP32',
      shape: [3],
      data: Float32Array.from([1.5, NaN, -Infinity]),
    });
    expect(text).toBe('[1.5,"NaN","-Infinity"]');
    expect(encodeJsonData({ datatype: 'FP64', shape: [3], data: Float64Array.from([1, -0, 0]) })).toBe('[1,-0,0]');
    expect(encodeJsonData({ datatype: 'FP16', shape: [1], data: Uint16Array.from([0x8000]) })).toBe('[-0]');
    expect(Object.is(decodeJsonTensor('y', 'FP32', [1], JSON.parse('[-0]')).data[0], -0)).toBe(true);
    expect(Array.from(decodeJsonTensor('y', 'FP32', [3], JSON.parse(text)).data as Float32Array)).toEqual([
      1.5,
      NaN,
      -Infinity,
    ]);
    expect(encodeJsonData({ name: 'y', datatype: 'BOOL', shape: [2], data: Uint8Array.from([1, 0]) })).toBe(
      '[true,false]',
    );
    expect(encodeJsonData({ name: 'y', datatype: 'INT64', shape: [1], data: BigInt64Array.from([-(2n ** 63n)]) })).toBe(
      '[-9223372036854775808]',
    );
  });

  it('nest flat values row-major into a shape', () => {
    expect(nest([1, 2, 3, 4, 5, 6], [2, 3])).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(nest([1, 2], [2, 1, 1])).toEqual([[[1]], [[2]]]);
  });
});

describe('binary tensor data extension', () => {
  it('frames BYTES as 4-byte little-endian lengths and reads them back', () => {
    const tensor = { name: 'x', datatype: 'BYTES', shape: [3], data: ['', 'ab', 'ü'] };
    const raw = encodeBinaryTensor(tensor);
    expect([...raw]).toEqual([0, 0, 0, 0, 2, 0, 0, 0, 97, 98, 2, 0, 0, 0, 0xc3, 0xbc]);
    expect(decodeBinaryTensor('x', 'BYTES', [3], raw).data).toEqual(['', 'ab', 'ü']);
    expect(() => decodeBinaryTensor('x', 'BYTES', [4], raw)).toThrow(/needs 4 BYTES elements, the binary data holds 3/);
  });

  it('copies numeric bytes into an aligned array and checks their size', () => {
    const raw = Buffer.concat([Buffer.from([9]), Buffer.from(Float64Array.from([1.25, -2]).buffer)]).subarray(1); // odd offset
    expect(Array.from(decodeBinaryTensor('x', 'FP64', [2], raw).data as Float64Array)).toEqual([1.25, -2]);
    expect(() => decodeBinaryTensor('x', 'FP64', [3], raw)).toThrow(
      'input "x": shape [3] of FP64 needs 24 bytes, binary_data_size is 16',
    );
  });

  it('splits the JSON header from the binary part by Inference-Header-Content-Length', () => {
    const body = Buffer.from('{"a":1}XYZ');
    const { json, binary } = splitBinaryBody(body, '7');
    expect(json.toString()).toBe('{"a":1}');
    expect(binary.toString()).toBe('XYZ');
    expect(() => splitBinaryBody(body, 'abc')).toThrow(/Inference-Header-Content-Length is abc/);
  });
});

describe('CSV', () => {
  const inputs = [
    { name: 'x', datatype: 'FP32', shape: ['batch', 3] as (string | number)[], order: 0, description: '' },
  ];
  it('skips a header line and reads missing cells as NaN for float inputs', () => {
    const [t] = decodeCsv('a,b,c\r\n1,2,3\r\n4,,NA\r\n', inputs);
    expect(t!.shape).toEqual([2, 3]);
    expect(Array.from(t!.data as Float32Array)).toEqual([1, 2, 3, 4, NaN, NaN]);
  });
  it('refuses a missing cell for an integer input, naming line and column', () => {
    expect(() => decodeCsv('1,2,3\n4,,6\n', [{ ...inputs[0]!, datatype: 'INT32' }])).toThrow(
      'CSV line 2, column 2: "" is not a INT32 number',
    );
  });
});
