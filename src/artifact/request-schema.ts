// From an artifact's input_schema.json (a tensor descriptor, meta-schema schemas/io-schema.schema.json) to a
// JSON Schema (draft-07, the default dialect of `new Ajv()`) for a KServe V2 / Open Inference Protocol
// inference request. What JSON Schema cannot say (element count = product(shape), one entry per input, equal
// sizes for a symbolic dim shared by several inputs) is checked by request-check.ts.
import { dataTypeFromV2 } from '../tensor/datatypes.js';
import type { IoSchema, TensorSpec } from './spec.js';

type JsonSchema = Record<string, unknown>;

/** The JSON Schema of one element of `data` for a datatype (V2 JSON: numbers, booleans or strings). */
export function elementSchema(datatype: string): JsonSchema {
  const type = dataTypeFromV2(datatype);
  if (type?.json === 'boolean') return { type: 'boolean' };
  if (type?.json === 'string') return { type: 'string' };
  if (type?.json === 'integer') {
    // Bounds a JSON number can state exactly; 64-bit types are only required to be integers on that side.
    const [lo, hi] = type.range!;
    const exact = (b: bigint) => b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER);
    return {
      type: 'integer',
      ...(exact(lo) ? { minimum: Number(lo) } : {}),
      ...(exact(hi) ? { maximum: Number(hi) } : {}),
    };
  }
  return { type: 'number' };
}

/** `shape` of a request tensor: the right rank, fixed dims pinned, dynamic dims any non-negative integer. */
// Rank 0 (a scalar) is `shape: []`: an empty `items` array is not a schema array (draft-07 section 9.3.1.1:
// "items" is a schema or a non-empty array of schemas), so a scalar's shape is pinned by maxItems alone.
function shapeSchema(spec: TensorSpec): JsonSchema {
  const items = spec.shape.map((d) =>
    typeof d === 'number' && d >= 0 ? { const: d } : { type: 'integer', minimum: 0 },
  );
  return {
    type: 'array',
    minItems: spec.shape.length,
    maxItems: spec.shape.length,
    ...(items.length > 0 ? { items } : {}),
  };
}

function definitionName(datatype: string): string {
  return `data_${datatype}`;
}

/** One input tensor: V2 allows `data` flat or nested row-major; the binary extension replaces it. */
function tensorSchema(spec: TensorSpec): JsonSchema {
  return {
    type: 'object',
    properties: {
      name: { const: spec.name },
      datatype: { const: spec.datatype },
      shape: shapeSchema(spec),
      data: { $ref: `#/definitions/${definitionName(spec.datatype)}` },
    },
  };
}

function dataDefinitions(datatypes: readonly string[]): JsonSchema {
  const defs: JsonSchema = {};
  for (const datatype of [...new Set(datatypes)].sort()) {
    const self = `#/definitions/${definitionName(datatype)}`;
    defs[definitionName(datatype)] = {
      type: 'array',
      items: { anyOf: [elementSchema(datatype), { $ref: self }] },
    };
  }
  return defs;
}

/**
 * The JSON Schema of a V2 inference request for a model with these inputs (and, optionally, outputs that a
 * request may ask for by name). Validate with `new Ajv({ allErrors: true })`, then run checkRequestExtras.
 */
export function requestJsonSchema(inputSchema: IoSchema, outputSchema?: IoSchema): JsonSchema {
  const tensors = [...inputSchema.tensors].sort((a, b) => a.order - b.order);
  const names = tensors.map((t) => t.name);
  const baseTensor: JsonSchema = {
    type: 'object',
    required: ['name', 'datatype', 'shape'],
    properties: {
      // A model without inputs has no name to allow; "enum" must be non-empty (draft-07 validation 6.1.2).
      name: names.length > 0 ? { type: 'string', enum: names } : { type: 'string', not: {} },
      datatype: { type: 'string' },
      shape: { type: 'array', items: { type: 'integer', minimum: 0 } },
      parameters: { type: 'object' },
      data: { type: 'array' },
    },
    // `data` is required unless the binary tensor extension carries the bytes.
    anyOf: [
      { required: ['data'] },
      { required: ['parameters'], properties: { parameters: { type: 'object', required: ['binary_data_size'] } } },
    ],
  };
  const perTensor = tensors.map((t) => ({
    if: { type: 'object', properties: { name: { const: t.name } } },
    then: tensorSchema(t),
  }));
  const outputNames = outputSchema?.tensors.map((t) => t.name);
  const everyInputGiven = names.map((name) => ({
    properties: {
      inputs: {
        type: 'array',
        contains: { type: 'object', required: ['name'], properties: { name: { const: name } } },
      },
    },
  }));
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'urn:ood:v2-inference-request',
    title: 'KServe V2 inference request',
    type: 'object',
    required: ['inputs'],
    properties: {
      id: { type: 'string' },
      parameters: { type: 'object' },
      inputs: {
        type: 'array',
        minItems: tensors.length,
        maxItems: tensors.length,
        items: { allOf: [baseTensor, ...perTensor] },
      },
      outputs: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name'],
          properties: {
            name: outputNames?.length ? { type: 'string', enum: outputNames } : { type: 'string' },
            parameters: { type: 'object' },
          },
        },
      },
    },
    // Every input is given; "allOf" must be non-empty (draft-07 section 9.2.1.1), so a model without inputs has none.
    ...(everyInputGiven.length > 0 ? { allOf: everyInputGiven } : {}),
    definitions: dataDefinitions(tensors.map((t) => t.datatype)),
  };
}
