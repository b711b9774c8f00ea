// Row operations along the batch axis, for every kind of element storage: typed arrays are viewed when sliced,
// strings are copied, names ride along, and padding repeats the last row.
import { describe, expect, it } from 'vitest';
import { concatRows, padRows, sliceRows } from '../../src/tensor/rows.js';
import { convertTensor, type NamedTensor, type Tensor } from '../../src/tensor/tensor.js';

const rows3: Tensor = { datatype: 'INT32', shape: [3, 2], data: Int32Array.from([1, 2, 3, 4, 5, 6]) };

describe('sliceRows', () => {
  it('takes rows [start, end) as a view on the same memory', () => {
    const part = sliceRows(rows3, 1, 3);
    expect(part.shape).toEqual([2, 2]);
    expect(Array.from(part.data as Int32Array)).toEqual([3, 4, 5, 6]);
    (part.data as Int32Array)[0] = 30;
    expect((rows3.data as Int32Array)[2]).toBe(30);
    (rows3.data as Int32Array)[2] = 3;
  });

  it('copies string rows and keeps the name of a named tensor', () => {
    const t: NamedTensor = { name: 's', datatype: 'BYTES', shape: [2], data: ['a', 'b'] };
    const part = sliceRows(t, 1, 2);
    expect(part).toEqual({ name: 's', datatype: 'BYTES', shape: [1], data: ['b'] });
  });

  it('gives an empty tensor for an empty range', () => {
    expect(sliceRows(rows3, 2, 2).shape).toEqual([0, 2]);
    expect((sliceRows(rows3, 2, 2).data as Int32Array).length).toBe(0);
  });
});

describe('concatRows', () => {
  it('joins rows in order into a fresh array of the datatype', () => {
    const joined = concatRows([sliceRows(rows3, 2, 3), sliceRows(rows3, 0, 2)]);
    expect(joined.shape).toEqual([3, 2]);
    expect(joined.data).toBeInstanceOf(Int32Array);
    expect(Array.from(joined.data as Int32Array)).toEqual([5, 6, 1, 2, 3, 4]);
  });

  it('returns a lone part uncopied', () => {
    expect(concatRows([rows3])).toBe(rows3);
  });

  it('joins BIGINT, FP16 bits and BYTES rows', () => {
    const big = concatRows([
      { datatype: 'INT64', shape: [1], data: BigInt64Array.from([1n]) },
      { datatype: 'INT64', shape: [1], data: BigInt64Array.from([-(2n ** 63n)]) },
    ]);
    expect(Array.from(big.data as BigInt64Array)).toEqual([1n, -(2n ** 63n)]);
    const half = concatRows([
      { datatype: 'FP16', shape: [1], data: Uint16Array.from([0x3c00]) },
      { datatype: 'FP16', shape: [1], data: Uint16Array.from([0xc000]) },
    ]);
    expect(half.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(half.data as Uint16Array)).toEqual([0x3c00, 0xc000]);
    const text = concatRows([
      { datatype: 'BYTES', shape: [1], data: ['x'] },
      { datatype: 'BYTES', shape: [2], data: ['y', 'z'] },
    ]);
    expect(text.data).toEqual(['x', 'y', 'z']);
  });
});

describe('padRows', () => {
  it('repeats the last row up to the row count', () => {
    const padded = padRows(sliceRows(rows3, 0, 2), 4);
    expect(padded.shape).toEqual([4, 2]);
    expect(Array.from(padded.data as Int32Array)).toEqual([1, 2, 3, 4, 3, 4, 3, 4]);
  });

  it('leaves a tensor with enough rows, or with none to repeat, as it is', () => {
    expect(padRows(rows3, 3)).toBe(rows3);
    const empty = sliceRows(rows3, 0, 0);
    expect(padRows(empty, 2)).toBe(empty);
  });
});

describe('convertTensor', () => {
  it('converts floats to the FP16 bits onnxruntime takes, and integers to 64 bits', () => {
    const half = convertTensor({ datatype: 'FP64', shape: [3], data: Float64Array.from([1, -2, 0.5]) }, 'FP16');
    expect(Array.from(half.data as Uint16Array)).toEqual([0x3c00, 0xc000, 0x3800]);
    const back = convertTensor(half, 'FP32');
    expect(Array.from(back.data as Float32Array)).toEqual([1, -2, 0.5]);
    const wide = convertTensor({ datatype: 'INT32', shape: [2], data: Int32Array.from([-7, 9]) }, 'INT64');
    expect(Array.from(wide.data as BigInt64Array)).toEqual([-7n, 9n]);
  });

  it('returns the tensor itself when the datatype already matches', () => {
    expect(convertTensor(rows3, 'INT32')).toBe(rows3);
  });
});
