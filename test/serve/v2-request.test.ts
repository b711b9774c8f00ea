// The one-pass V2 request decoder: envelope, signature and elements, with the first problem as a 400 that names it.
import { describe, expect, it } from 'vitest';
import { decodeV2Request, type Signature } from '../../src/serve/v2-request.js';
import type { TensorSpec } from '../../src/artifact/spec.js';

const spec = (name: string, datatype: string, shape: (number | string)[]): TensorSpec => ({
  name,
  datatype,
  shape,
  order: 0,
  description: '',
});
const signature: Signature = {
  inputs: [spec('a', 'FP32', ['batch', 2]), spec('b', 'INT32', ['batch'])],
  outputs: [spec('y', 'FP32', ['batch'])],
};
const a = {
  name: 'a',
  datatype: 'FP32',
  shape: [2, 2],
  data: [
    [1, 2],
    [3, 4],
  ],
};
const b = { name: 'b', datatype: 'INT32', shape: [2], data: [7, 8] };
const none = Buffer.alloc(0);

function problem(request: unknown): { code: string; message: string } {
  try {
    decodeV2Request(request, none, signature);
  } catch (err) {
    return { code: (err as { code: string }).code, message: (err as Error).message };
  }
  throw new Error('the request was accepted');
}

describe('decodeV2Request', () => {
  it('decodes nested JSON data straight into the typed arrays the model takes', () => {
    const decoded = decodeV2Request({ id: 'r1', inputs: [a, b], outputs: [{ name: 'y' }] }, none, signature);
    expect(decoded.id).toBe('r1');
    expect(decoded.inputs[0]!.data).toEqual(new Float32Array([1, 2, 3, 4]));
    expect(decoded.inputs[1]!.data).toEqual(new Int32Array([7, 8]));
    expect(decoded.outputs).toEqual(['y']);
  });

  it('rejects a symbolic dimension that two inputs bind to different sizes', () => {
    expect(problem({ inputs: [a, { ...b, shape: [3], data: [1, 2, 3] }] })).toEqual({
      code: 'SHAPE_MISMATCH',
      message: 'dimension "batch" is 2 in input "a" but 3 in input "b"',
    });
  });

  it('names the envelope field that is wrong, in the words of a JSON Schema validator', () => {
    expect(problem([a]).message).toBe('not a valid V2 inference request: request must be object');
    expect(problem({ inputs: [{ ...a, shape: [2, -1] }, b] }).message).toMatch(/\/inputs\/0\/shape\/1 must be >= 0$/);
    expect(problem({ inputs: [{ name: 'a', shape: [1, 2] }, b] }).message).toMatch(
      /\/inputs\/0 must have required property 'datatype'$/,
    );
    expect(problem({ inputs: [{ name: 'a', datatype: 'FP32', shape: [1, 2] }, b] }).message).toMatch(
      /has neither "data" nor parameters.binary_data_size/,
    );
  });

  it('checks every input is present only after reading those that came', () => {
    expect(problem({ inputs: [a] })).toEqual({ code: 'MISSING_INPUT', message: 'missing input "b" (INT32 [batch])' });
  });

  it('reads the V2 timeout parameter as microseconds, and refuses a negative one', () => {
    expect(decodeV2Request({ inputs: [a, b], parameters: { timeout: 250_000 } }, none, signature).timeoutMs).toBe(250);
    expect(decodeV2Request({ inputs: [a, b], parameters: { timeout: 0 } }, none, signature).timeoutMs).toBeUndefined();
    expect(problem({ inputs: [a, b], parameters: { timeout: -1 } }).code).toBe('BAD_REQUEST');
  });

  it('reports an out-of-range integer element with its index', () => {
    expect(problem({ inputs: [a, { ...b, data: [7, 2 ** 31] }] }).message).toBe(
      'input "b": element 1 is 2147483648, not a valid INT32 value',
    );
  });
});
