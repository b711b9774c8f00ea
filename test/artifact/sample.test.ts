import { describe, expect, it } from 'vitest';
import { tensorStatistics, withStatistics } from '../../src/artifact/sample.js';
import type { IoSchema } from '../../src/artifact/spec.js';

describe('sample statistics', () => {
  it('computes count, min, max, mean and population std over nested data', () => {
    expect(
      tensorStatistics([
        [1, 2],
        [3, 4],
      ]),
    ).toEqual({ count: 4, min: 1, max: 4, mean: 2.5, std: Math.sqrt(1.25) });
  });

  it('counts booleans as 0 and 1 and gives no statistics for strings or empty data', () => {
    expect(tensorStatistics([true, false, true, true])).toMatchObject({ count: 4, min: 0, max: 1, mean: 0.75 });
    expect(tensorStatistics(['a', 'b'])).toBeUndefined();
    expect(tensorStatistics([])).toBeUndefined();
  });

  it('adds statistics only to the inputs the sample carries', () => {
    const schema: IoSchema = {
      schema_version: '1.0',
      kind: 'input',
      tensors: [
        { name: 'a', datatype: 'FP32', shape: [-1], order: 0, description: '' },
        { name: 'b', datatype: 'BYTES', shape: [-1], order: 1, description: '' },
      ],
    };
    const out = withStatistics(schema, {
      inputs: [
        { name: 'a', datatype: 'FP32', shape: [2], data: [0, 2] },
        { name: 'b', datatype: 'BYTES', shape: [1], data: ['x'] },
      ],
    });
    expect(out.tensors[0]!.statistics).toEqual({ count: 2, min: 0, max: 2, mean: 1, std: 1 });
    expect(out.tensors[1]!).not.toHaveProperty('statistics');
    expect(schema.tensors[0]).not.toHaveProperty('statistics');
  });
});
