// Every datatype the server carries survives the V2 JSON codec and the binary extension both ways, element for
// element, and the codecs refuse what a datatype cannot hold with the tensor's name in the message.
import { describe, expect, it } from 'vitest';
import { RUNNABLE_V2_DATATYPES, dataTypeFromV2 } from '../../src/tensor/datatypes.js';
import { decodeJsonTensor, encodeJsonData } from '../../src/tensor/json-codec.js';
import { decodeBinaryTensor, encodeBinaryTensor } from '../../src/tensor/binary-codec.js';

/** Values per datatype as JSON carries them, including each type's extremes. */
const JSON_VALUES: Record<string, unknown[]> = {
  BOOL: [true, false, true, false],
  UINT8: [0, 1, 254, 255],
  UINT16: [0, 1, 65534, 65535],
  UINT32: [0, 1, 4294967294, 4294967295],
  UINT64: [0, 1, 2 ** 40, Number.MAX_SAFE_INTEGER],
  INT8: [-128, -1, 0, 127],
  INT16: [-32768, -1, 0, 32767],
  INT32: [-2147483648, -1, 0, 2147483647],
  INT64: [Number.MIN_SAFE_INTEGER, -1, 0, Number.MAX_SAFE_INTEGER],
  FP16: [0, -2, 0.5, 65504],
  FP32: [0, -2.5, 1.5, 3.4028234663852886e38],
  FP64: [0, -0.1, 1e-300, 1.7976931348623157e308],
  BYTES: ['', 'a', 'ü', '💡'],
};

/** A value each integer type cannot hold (one past its range), for the refusal test. */
const OUT_OF_RANGE: Record<string, number> = {
  UINT8: 256,
  UINT16: 65536,
  UINT32: 4294967296,
  UINT64: -1,
  INT8: 128,
  INT16: -32769,
  INT32: 2147483648,
};

describe('the JSON and binary codecs', () => {
  it('cover every datatype the server runs', () => {
    expect(Object.keys(JSON_VALUES).sort()).toEqual([...RUNNABLE_V2_DATATYPES].sort());
  });

  it.each(Object.entries(JSON_VALUES))('round-trip %s through JSON, in its typed array', (datatype, values) => {
    const t = decodeJsonTensor('x', datatype, [2, 2], [values.slice(0, 2), values.slice(2)]);
    const want = dataTypeFromV2(datatype)!.array;
    if (want) expect(t.data).toBeInstanceOf(want);
    else expect(t.data).toEqual(values);
    expect(JSON.parse(encodeJsonData(t))).toEqual(values);
  });

  it.each(Object.entries(JSON_VALUES))(
    'round-trip %s through the binary extension, byte for byte',
    (datatype, values) => {
      const t = decodeJsonTensor('x', datatype, [4], values);
      const bytes = encodeBinaryTensor(t);
      const type = dataTypeFromV2(datatype)!;
      if (type.bytes > 0) expect(bytes.length).toBe(4 * type.bytes);
      const back = decodeBinaryTensor('x', datatype, [4], bytes);
      expect(Array.from(back.data as ArrayLike<unknown>)).toEqual(Array.from(t.data as ArrayLike<unknown>));
      expect(encodeBinaryTensor(back).equals(bytes)).toBe(true);
    },
  );

  it.each(Object.entries(OUT_OF_RANGE))('refuse a %s element outside its range, naming the tensor', (datatype, v) => {
    expect(() => decodeJsonTensor('ids', datatype, [2], [0, v])).toThrow(
      `input "ids": element 1 is ${v}, not a valid ${datatype} value`,
    );
  });

  it('refuse fractions for integer types and numbers for BYTES', () => {
    expect(() => decodeJsonTensor('x', 'INT32', [1], [1.5])).toThrow('element 0 is 1.5, not a valid INT32 value');
    expect(() => decodeJsonTensor('x', 'BYTES', [1], [1])).toThrow('element 0 is 1, not a valid BYTES value');
  });

  it('refuse datatypes onnxruntime-node cannot carry, naming the tensor and the ones it can', () => {
    for (const decode of [
      () => decodeJsonTensor('w', 'BF16', [1], [1]),
      () => decodeBinaryTensor('w', 'BF16', [1], Buffer.alloc(2)),
      () => decodeJsonTensor('w', 'COMPLEX64', [1], [1]),
    ]) {
      expect(decode).toThrow(/^input "w": datatype (BF16|COMPLEX64) is not supported$/);
    }
    try {
      decodeJsonTensor('w', 'BF16', [1], [1]);
    } catch (err) {
      expect((err as { hint: string }).hint).toBe(`Use one of ${RUNNABLE_V2_DATATYPES.join(', ')}.`);
    }
  });

  it('write BF16 and FP16 bits as the numbers they stand for', () => {
    expect(encodeJsonData({ datatype: 'BF16', shape: [2], data: Uint16Array.from([0x3f80, 0xc049]) })).toBe(
      '[1,-3.140625]',
    );
    expect(encodeJsonData({ datatype: 'FP16', shape: [2], data: Uint16Array.from([0x3c00, 0x7c00]) })).toBe(
      '[1,"Infinity"]',
    );
  });
});
