// From the bytes of a KServe V2 inference request (JSON, or JSON + binary tensors) to the tensors the model takes.
// Order: parse, envelope, signature (names, datatypes, shapes), ajv against input_schema.json, then decode.
import { OodError } from '../errors.js';
import type { IoSchema, NamedTensor, TensorSpec } from '../artifact/spec.js';
import { createRequestValidator, type RequestValidator } from '../artifact/request-check.js';
import { ARTIFACT_VERSION } from '../artifact/spec.js';
import { splitBinaryBody, decodeBinaryTensor } from './binary.js';
import { decodeJsonTensor } from './codec.js';
import { assertV2Envelope, checkAgainstSignature } from './validate-request.js';
import type { V2InferenceRequest } from './v2-types.js';

/** A decoded request: the tensors, and how the client wants the answer. */
export interface DecodedRequest {
  id?: string;
  inputs: NamedTensor[];
  /** Output names asked for, in order; undefined means all. */
  outputs?: string[];
  /** Output names to send as binary tensors. */
  binaryOutputs: Set<string>;
  /** Send every output as binary (parameters.binary_data_output). */
  allBinary: boolean;
}

/** Parse a JSON body, turning a syntax error into a 400 that says so. */
export function parseJsonBody(bytes: Buffer): unknown {
  if (bytes.length === 0)
    throw new OodError('EMPTY_BODY', 'the request body is empty', { hint: 'Send a JSON inference request.' });
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new OodError('BAD_JSON', `the request body is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

/** Compile the per-model validator once (ajv, from input_schema.json via requestJsonSchema). */
export function compileValidator(inputs: readonly TensorSpec[], outputs: readonly TensorSpec[]): RequestValidator {
  const schema = (kind: 'input' | 'output', tensors: readonly TensorSpec[]): IoSchema => ({
    schema_version: ARTIFACT_VERSION,
    kind,
    tensors: [...tensors],
  });
  return createRequestValidator(schema('input', inputs), schema('output', outputs));
}

/** Validate and decode a V2 request whose JSON part is already parsed. */
export function decodeV2Request(
  request: unknown,
  binary: Buffer,
  signature: { inputs: readonly TensorSpec[]; outputs: readonly TensorSpec[]; validate: RequestValidator },
): DecodedRequest {
  assertV2Envelope(request);
  checkAgainstSignature(request, signature.inputs);
  const v2 = request as V2InferenceRequest;
  const known = new Set(signature.outputs.map((t) => t.name));
  for (const o of v2.outputs ?? []) {
    if (!known.has(o.name))
      throw new OodError(
        'UNKNOWN_OUTPUT',
        `unknown output "${o.name}"; the model returns ${[...known].map((n) => `"${n}"`).join(', ')}`,
      );
  }
  const problems = signature.validate(request);
  if (problems.length > 0) {
    // ajv says where; decoding the JSON tensors says what came. Prefer the decoder's words when it objects too.
    for (const input of v2.inputs)
      if (input.data !== undefined) decodeJsonTensor(input.name, input.datatype, input.shape, input.data);
    throw new OodError(
      'REQUEST_INVALID',
      problems.length === 1 ? problems[0]! : `the request is invalid:\n  - ${problems.join('\n  - ')}`,
    );
  }
  let offset = 0;
  const inputs = v2.inputs.map((input) => {
    const size = input.parameters?.binary_data_size;
    if (size === undefined) return decodeJsonTensor(input.name, input.datatype, input.shape, input.data);
    if (!Number.isInteger(size) || size < 0 || offset + size > binary.length) {
      throw new OodError(
        'BAD_BINARY_DATA',
        `input "${input.name}": binary_data_size ${size} runs past the ${binary.length} binary bytes of the body`,
      );
    }
    const tensor = decodeBinaryTensor(input.name, input.datatype, input.shape, binary.subarray(offset, offset + size));
    offset += size;
    return tensor;
  });
  if (offset !== binary.length) {
    throw new OodError('BAD_BINARY_DATA', `the body has ${binary.length - offset} binary bytes that no input claims`);
  }
  return {
    id: v2.id,
    inputs,
    outputs: v2.outputs?.map((o) => o.name),
    binaryOutputs: new Set((v2.outputs ?? []).filter((o) => o.parameters?.binary_data === true).map((o) => o.name)),
    allBinary: v2.parameters?.binary_data_output === true,
  };
}

/** Read a V2 request body, honouring Inference-Header-Content-Length. */
export function readV2Body(body: Buffer, headerLength: string | undefined): { json: unknown; binary: Buffer } {
  const { json, binary } = splitBinaryBody(body, headerLength);
  return { json: parseJsonBody(json), binary };
}
