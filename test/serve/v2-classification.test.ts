// Triton's classification extension on its own: top-k "value:index[:label]" strings, per row when the output
// has a variable first dimension, compared in the output's datatype.
import { describe, expect, it } from 'vitest';
import { classifyOutput } from '../../src/serve/v2-classification.js';
import type { TensorSpec } from '../../src/artifact/spec.js';

const spec = (shape: (number | string)[]): TensorSpec => ({
  name: 'out',
  datatype: 'FP32',
  shape,
  order: 0,
  description: '',
});

describe('classifyOutput', () => {
  it("answers the extension document's own example: [1.1, 3.3, 0.5, 2.4] top 2 is 3.3:1, 2.4:3", () => {
    const out = { name: 'out', datatype: 'FP32', shape: [4], data: Float32Array.from([1.1, 3.3, 0.5, 2.4]) };
    expect(classifyOutput(out, 2, spec([4]), null)).toEqual({
      name: 'out',
      datatype: 'BYTES',
      shape: [2],
      data: ['3.3:1', '2.4:3'],
    });
    expect(classifyOutput(out, 2, spec([4]), ['a', 'b', 'c', 'd']).data).toEqual(['3.3:1:b', '2.4:3:d']);
  });

  it('ranks each row of a batched output, ties by index and NaN last', () => {
    const out = { name: 'out', datatype: 'FP32', shape: [2, 3], data: Float32Array.from([1, 1, 0, NaN, -1, 5]) };
    expect(classifyOutput(out, 3, spec(['batch', 3]), null)).toMatchObject({
      shape: [2, 3],
      data: ['1:0', '1:1', '0:2', '5:2', '-1:1', 'NaN:0'],
    });
  });

  it('treats a fixed first dimension as one row, and compares 64-bit integers exactly', () => {
    const out = {
      name: 'out',
      datatype: 'INT64',
      shape: [1, 3],
      data: BigInt64Array.from([2n ** 62n + 1n, 2n ** 62n, -5n]),
    };
    expect(classifyOutput(out, 2, { ...spec([1, 3]), datatype: 'INT64' }, null)).toMatchObject({
      shape: [2],
      data: [`${2n ** 62n + 1n}:0`, `${2n ** 62n}:1`],
    });
  });

  it('ignores labels whose count is not the classes per row', () => {
    const out = { name: 'out', datatype: 'FP64', shape: [3], data: Float64Array.from([0.1, 0.7, 0.2]) };
    expect(classifyOutput(out, 1, spec([3]), ['a', 'b']).data).toEqual(['0.7:1']);
  });
});
