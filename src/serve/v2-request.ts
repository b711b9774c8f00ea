// From the bytes of a KServe V2 inference request (JSON, or JSON + binary tensors) to the tensors the model takes,
// in one pass: the request envelope, then per input its envelope, its signature and its elements (decoded
// straight into the typed array the model takes), then what must hold across inputs. The first problem is the
// 400 the client gets, naming the tensor, what the model expects and what came.
import { OodError } from '../errors.js';
import type { TensorSpec } from '../artifact/spec.js';
import type { NamedTensor } from '../tensor/tensor.js';
import { decodeBinaryTensor } from '../tensor/binary-codec.js';
import { RoundedInteger, decodeJsonTensor, showValue } from '../tensor/json-codec.js';
import { parseBodyExactly } from './exact-json.js';
import { parseJsonAllowingNonFinite } from './non-finite-json.js';
import { decodeNumberArray, parseWithNumberArrays } from './v2-number-arrays.js';
import {
  checkInputEnvelope,
  checkInputSignature,
  checkNoneMissing,
  envelopeError,
  isObject,
  type DimBindings,
} from './v2-input-check.js';
import type { V2RequestOutput } from './v2-types.js';

/** A decoded request: the tensors, and how the client wants the answer. */
export interface DecodedRequest {
  id?: string;
  inputs: NamedTensor[];
  /** Output names asked for, in order; undefined means all. */
  outputs?: string[];
  /**
   * Output names to send as binary tensors: the per-output `binary_data` where given, else the request's
   * `binary_data_output` (Triton's binary tensor data extension: "If "binary_data" is specified on an output it
   * overrides this setting").
   */
  binaryOutputs: Set<string>;
  /** Outputs to answer as top-k classifications (Triton's classification extension), with their k. */
  classification: Map<string, number>;
  /** The request's own deadline, from the `timeout` parameter, in milliseconds. */
  timeoutMs?: number;
}

/** The model's signature as the decoder needs it. */
export interface Signature {
  inputs: readonly TensorSpec[];
  outputs: readonly TensorSpec[];
}

/**
 * Parse a JSON body, turning a syntax error into a 400 that says so. Python's bare NaN / Infinity / -Infinity
 * tokens are accepted (non-finite-json.ts). A large body's tensor data arrays are read straight into
 * Float64Arrays (v2-number-arrays.ts); the decoder below takes them as it takes plain arrays.
 */
export function parseJsonBody(bytes: Buffer): unknown {
  if (bytes.length === 0)
    throw new OodError('EMPTY_BODY', 'the request body is empty', { hint: 'Send a JSON inference request.' });
  const fast = parseWithNumberArrays(bytes, parseJsonAllowingNonFinite);
  if (fast !== undefined) return fast;
  try {
    return parseJsonAllowingNonFinite(bytes.toString('utf8'));
  } catch (err) {
    throw new OodError('BAD_JSON', `the request body is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Decode a JSON request body with `decode`. JSON.parse reads numbers as doubles, exact to 2^53: when the codec meets
 * a 64-bit integer element beyond that (RoundedInteger), the body is parsed again exactly and decoded once more,
 * so ordinary requests pay nothing. `parsed`: the body as JSON.parse already read it, when the caller has it.
 */
export function decodeJsonBody<T>(bytes: Buffer, decode: (json: unknown) => T, parsed?: unknown): T {
  try {
    return decode(parsed === undefined ? parseJsonBody(bytes) : parsed);
  } catch (err) {
    if (!(err instanceof RoundedInteger)) throw err;
    return decode(parseBodyExactly(bytes));
  }
}

/**
 * The V2 `timeout` request parameter: an int64 count of microseconds (Triton's schedule policy extension,
 * docs/protocol/extension_schedule_policy.md: "the timeout value for the request, in microseconds").
 */
function timeoutOf(parameters: Record<string, unknown> | undefined): number | undefined {
  const value = parameters?.timeout;
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    throw envelopeError(`/parameters/timeout must be a non-negative integer (microseconds), got ${showValue(value)}`);
  return value === 0 ? undefined : value / 1000;
}

/** A request or output parameter that, when present, must be a boolean. */
function booleanParameter(parameters: Record<string, unknown> | undefined, key: string, at: string) {
  const value = parameters?.[key];
  if (value !== undefined && typeof value !== 'boolean')
    throw envelopeError(`${at}/parameters/${key} must be boolean, got ${showValue(value)}`);
  return value;
}

/**
 * The classification extension's parameter on a requested output: "“classification” : $number indicating the
 * number of classes that should be returned for the output" (Triton, docs/protocol/extension_classification.md).
 * A positive integer; tritonclient sends it only when class_count is not 0.
 */
function classificationParameter(parameters: Record<string, unknown> | undefined, at: string) {
  const value = parameters?.classification;
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
    throw envelopeError(`${at}/parameters/classification must be a positive integer, got ${showValue(value)}`);
  return value;
}

function checkOutputs(raw: unknown, known: readonly TensorSpec[]): V2RequestOutput[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw)) throw envelopeError('/outputs must be array');
  const names = new Set(known.map((t) => t.name));
  const seen = new Set<string>();
  return raw.map((o: unknown, i) => {
    if (!isObject(o)) throw envelopeError(`/outputs/${i} must be object`);
    if (typeof o.name !== 'string')
      throw envelopeError(
        o.name === undefined ? `/outputs/${i} must have required property 'name'` : `/outputs/${i}/name must be string`,
      );
    if (o.parameters !== undefined && !isObject(o.parameters))
      throw envelopeError(`/outputs/${i}/parameters must be object`);
    if (!names.has(o.name))
      throw new OodError(
        'UNKNOWN_OUTPUT',
        `unknown output "${o.name}"; the model returns ${[...names].map((n) => `"${n}"`).join(', ')}`,
      );
    if (seen.has(o.name)) throw envelopeError(`/outputs/${i}: output "${o.name}" is asked for twice`);
    seen.add(o.name);
    booleanParameter(o.parameters, 'binary_data', `/outputs/${i}`);
    classificationParameter(o.parameters, `/outputs/${i}`);
    return o as unknown as V2RequestOutput;
  });
}

/** Which outputs go back as binary, and which as classifications, per the request's parameters. */
function answerForm(
  request: Record<string, unknown>,
  outputs: V2RequestOutput[] | undefined,
  signature: Signature,
): Pick<DecodedRequest, 'binaryOutputs' | 'classification'> {
  const all = booleanParameter(request.parameters as Record<string, unknown> | undefined, 'binary_data_output', '');
  const asked = outputs ?? signature.outputs.map((t) => ({ name: t.name }) as V2RequestOutput);
  const binaryOutputs = new Set<string>();
  const classification = new Map<string, number>();
  for (const o of asked) {
    if (((o.parameters?.binary_data as boolean | undefined) ?? all) === true) binaryOutputs.add(o.name);
    const k = o.parameters?.classification as number | undefined;
    if (k !== undefined) classification.set(o.name, k);
  }
  return { binaryOutputs, classification };
}

/** Check and decode a V2 request whose JSON part is already parsed; `binary` is what followed the JSON. */
export function decodeV2Request(request: unknown, binary: Buffer, signature: Signature): DecodedRequest {
  if (!isObject(request)) throw envelopeError('request must be object');
  if (request.id !== undefined && typeof request.id !== 'string') throw envelopeError('/id must be string');
  if (request.parameters !== undefined && !isObject(request.parameters))
    throw envelopeError('/parameters must be object');
  if (!('inputs' in request)) throw envelopeError("request must have required property 'inputs'");
  if (!Array.isArray(request.inputs)) throw envelopeError('/inputs must be array');
  // The spec's inference_request sets no minItems: a model without inputs (ONNX Constant) takes "inputs": [].
  if (request.inputs.length === 0 && signature.inputs.length > 0)
    throw envelopeError('/inputs must NOT have fewer than 1 items');
  const outputs = checkOutputs(request.outputs, signature.outputs);
  const timeoutMs = timeoutOf(request.parameters);
  const byName = new Map(signature.inputs.map((t) => [t.name, t]));
  const seen = new Set<string>();
  const bindings: DimBindings = new Map();
  let offset = 0;
  const inputs = request.inputs.map((raw: unknown, i) => {
    checkInputEnvelope(raw, i);
    checkInputSignature(raw, byName, seen, bindings);
    const size = raw.parameters?.binary_data_size;
    // Binary extension: "binary_data_size" indicates "that the input [...] tensor is communicated as binary data";
    // an input with both that and "data" is ambiguous (Triton refuses it the same way).
    if (size !== undefined && raw.data !== undefined)
      throw envelopeError(`/inputs/${i} ("${raw.name}") has both "data" and parameters.binary_data_size; send one`);
    if (size === undefined) {
      if (raw.data === undefined)
        throw envelopeError(`/inputs/${i} ("${raw.name}") has neither "data" nor parameters.binary_data_size`);
      if (raw.data instanceof Float64Array) return decodeNumberArray(raw.name, raw.datatype, raw.shape, raw.data);
      return decodeJsonTensor(raw.name, raw.datatype, raw.shape, raw.data);
    }
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 0 || offset + size > binary.length) {
      throw new OodError(
        'BAD_BINARY_DATA',
        `input "${raw.name}": binary_data_size ${size} runs past the ${binary.length} binary bytes of the body`,
      );
    }
    const tensor = decodeBinaryTensor(raw.name, raw.datatype, raw.shape, binary.subarray(offset, offset + size));
    offset += size;
    return tensor;
  });
  checkNoneMissing(signature.inputs, seen);
  if (offset !== binary.length) {
    throw new OodError('BAD_BINARY_DATA', `the body has ${binary.length - offset} binary bytes that no input claims`);
  }
  return {
    id: request.id as string | undefined,
    inputs,
    outputs: outputs?.map((o) => o.name),
    ...answerForm(request, outputs, signature),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  };
}
