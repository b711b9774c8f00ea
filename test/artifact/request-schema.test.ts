import { describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import { requestJsonSchema } from '../../src/artifact/request-schema.js';
import { checkRequestExtras, createRequestValidator } from '../../src/artifact/request-check.js';
import type { IoSchema } from '../../src/artifact/spec.js';

const inputs: IoSchema = {
  schema_version: '1.0',
  kind: 'input',
  tensors: [
    { name: 'image', datatype: 'FP32', shape: ['batch', 1, 2, 2], order: 0, description: '' },
    { name: 'mask', datatype: 'INT64', shape: ['batch', 4], order: 1, description: '' },
  ],
};
const outputs: IoSchema = {
  schema_version: '1.0',
  kind: 'output',
  tensors: [{ name: 'logits', datatype: 'FP32', shape: ['batch', 10], order: 0, description: '' }],
};

function goodRequest(): any {
  return {
    id: 'r1',
    inputs: [
      { name: 'image', datatype: 'FP32', shape: [2, 1, 2, 2], data: [0, 1, 2, 3, 4, 5, 6, 7] },
      {
        name: 'mask',
        datatype: 'INT64',
        shape: [2, 4],
        data: [
          [1, 0, 1, 0],
          [0, 1, 0, 1],
        ],
      },
    ],
    outputs: [{ name: 'logits' }],
  };
}

describe('requestJsonSchema', () => {
  const validate = new Ajv({ allErrors: true, strict: false }).compile(requestJsonSchema(inputs, outputs));

  it('accepts a well-formed V2 request with flat and nested data', () => {
    expect(validate(goodRequest())).toBe(true);
  });

  it('rejects a wrong datatype, a fixed dim of the wrong size and a wrong rank', () => {
    const r = goodRequest();
    r.inputs[0].datatype = 'FP64';
    expect(validate(r)).toBe(false);
    const s = goodRequest();
    s.inputs[0].shape = [2, 1, 3, 2];
    expect(validate(s)).toBe(false);
    const t = goodRequest();
    t.inputs[1].shape = [8];
    expect(validate(t)).toBe(false);
  });

  it('rejects unknown input names, missing inputs and unknown requested outputs', () => {
    const r = goodRequest();
    r.inputs[1].name = 'other';
    expect(validate(r)).toBe(false);
    const s = goodRequest();
    s.inputs.pop();
    expect(validate(s)).toBe(false);
    const t = goodRequest();
    t.outputs = [{ name: 'nope' }];
    expect(validate(t)).toBe(false);
  });

  it('rejects non-integer data for an integer input and strings for a float input', () => {
    const r = goodRequest();
    r.inputs[1].data = [
      [1.5, 0, 1, 0],
      [0, 1, 0, 1],
    ];
    expect(validate(r)).toBe(false);
    const s = goodRequest();
    s.inputs[0].data[3] = 'x';
    expect(validate(s)).toBe(false);
  });

  it('accepts the binary tensor extension in place of data', () => {
    const r = goodRequest();
    delete r.inputs[0].data;
    r.inputs[0].parameters = { binary_data_size: 32 };
    expect(validate(r)).toBe(true);
    delete r.inputs[0].parameters;
    expect(validate(r)).toBe(false);
  });
});

describe('checkRequestExtras and createRequestValidator', () => {
  const validator = createRequestValidator(inputs, outputs);

  it('reports no problem for a valid request', () => {
    expect(validator(goodRequest())).toEqual([]);
  });

  it('reports an element count that does not match the shape', () => {
    const r = goodRequest();
    r.inputs[0].data.pop();
    expect(validator(r)).toEqual(['input "image" has 7 data elements but shape [2, 1, 2, 2] needs 8']);
  });

  it('reports a symbolic dim bound to two different sizes', () => {
    const r = goodRequest();
    r.inputs[1].shape = [1, 4];
    r.inputs[1].data = [1, 0, 1, 0];
    expect(validator(r)).toEqual(['dimension "batch" is 2 in input "image" but 1 in input "mask"']);
  });

  it('reports a duplicated input by name', () => {
    const r = goodRequest();
    r.inputs[1] = { ...r.inputs[0] };
    const problems = checkRequestExtras(r, inputs);
    expect(problems).toContain('input "image" is given more than once');
  });

  it('names the input and the problem in readable words', () => {
    const r = goodRequest();
    r.inputs[0].shape = [2, 1, 3, 2];
    expect(validator(r)).toContain('inputs[0] ("image").shape[2] must be equal to constant (2)');
    const s = goodRequest();
    s.inputs = [s.inputs[0]];
    expect(validator(s)).toContain('input "mask" is missing');
  });

  it('reports a binary_data_size that does not match the shape', () => {
    const r = goodRequest();
    delete r.inputs[0].data;
    r.inputs[0].parameters = { binary_data_size: 30 };
    expect(validator(r)).toEqual([
      'input "image" has binary_data_size 30 but shape [2, 1, 2, 2] of FP32 needs 32 bytes',
    ]);
  });
});

describe('requestJsonSchema across datatypes', () => {
  const one = (datatype: string): IoSchema => ({
    schema_version: '1.0',
    kind: 'input',
    tensors: [{ name: 'x', datatype, shape: [-1], order: 0, description: '' }],
  });
  const ok = (datatype: string, data: unknown[]) =>
    createRequestValidator(one(datatype))({ inputs: [{ name: 'x', datatype, shape: [data.length], data }] });

  it('accepts values of the right kind and range for each V2 datatype', () => {
    expect(ok('BOOL', [true, false])).toEqual([]);
    expect(ok('BYTES', ['a', ''])).toEqual([]);
    expect(ok('INT8', [-128, 127])).toEqual([]);
    expect(ok('UINT8', [0, 255])).toEqual([]);
    expect(ok('UINT64', [0, 2 ** 53])).toEqual([]);
    expect(ok('FP16', [0.5, -1e4])).toEqual([]);
  });

  it('rejects out-of-range integers, wrong kinds and negative unsigned values', () => {
    expect(ok('INT8', [128])).not.toEqual([]);
    expect(ok('UINT8', [-1])).not.toEqual([]);
    expect(ok('UINT64', [-1])).not.toEqual([]);
    expect(ok('BOOL', [1])).not.toEqual([]);
    expect(ok('BYTES', [1])).not.toEqual([]);
    expect(ok('INT32', [0.5])).not.toEqual([]);
  });

  it('lets a dynamic dim take any size, including zero', () => {
    expect(ok('FP32', [])).toEqual([]);
    expect(ok('FP32', [1, 2, 3, 4, 5])).toEqual([]);
  });
});

describe('requestJsonSchema for scalars and models without inputs', () => {
  const scalar: IoSchema = {
    schema_version: '1.0',
    kind: 'input',
    tensors: [{ name: 'axis', datatype: 'INT32', shape: [], order: 0, description: '' }],
  };

  it('is a valid draft-07 schema for a rank-0 input and for a model without inputs', () => {
    const none: IoSchema = { schema_version: '1.0', kind: 'input', tensors: [] };
    const ajv = new Ajv();
    expect(ajv.validateSchema(requestJsonSchema(scalar)), JSON.stringify(ajv.errors)).toBe(true);
    expect(ajv.validateSchema(requestJsonSchema(none)), JSON.stringify(ajv.errors)).toBe(true);
    expect(createRequestValidator(none)({ inputs: [] })).toEqual([]);
    expect(
      createRequestValidator(none)({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1], data: [1] }] }),
    ).not.toEqual([]);
  });

  it('accepts a scalar as shape [] with one element and refuses it with rank 1', () => {
    const validate = createRequestValidator(scalar);
    expect(validate({ inputs: [{ name: 'axis', datatype: 'INT32', shape: [], data: [1] }] })).toEqual([]);
    expect(validate({ inputs: [{ name: 'axis', datatype: 'INT32', shape: [1], data: [1] }] })).not.toEqual([]);
    expect(validate({ inputs: [{ name: 'axis', datatype: 'INT32', shape: [], data: [1, 2] }] })).not.toEqual([]);
  });
});
