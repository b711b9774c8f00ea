// The header checks of one V2 request tensor ($request_input of the Open Inference Protocol, REST): its envelope
// (name, shape, datatype, parameters) and its match against the model's signature. The elements themselves are
// checked while they are decoded, so a request's data is walked exactly once.
import { OodError } from '../errors.js';
import type { TensorSpec } from '../artifact/spec.js';
import type { V2RequestInput } from './v2-types.js';

/** A malformed request envelope: a 400 that says where, in ajv's words that clients already know. */
export function envelopeError(problem: string): OodError {
  return new OodError('BAD_REQUEST', `not a valid V2 inference request: ${problem}`, {
    hint: 'Send {"inputs": [{"name": ..., "shape": [...], "datatype": ..., "data": [...]}]}.',
  });
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Render a schema shape the way users read it: symbolic dims by name. */
export function formatShape(shape: readonly (number | string)[]): string {
  return `[${shape.map((d) => (typeof d === 'number' && d < 0 ? '?' : String(d))).join(', ')}]`;
}

/** $request_input: an object with a string name and datatype, a shape of non-negative integers. */
export function checkInputEnvelope(raw: unknown, index: number): asserts raw is V2RequestInput {
  const at = `/inputs/${index}`;
  if (!isObject(raw)) throw envelopeError(`${at} must be object`);
  for (const key of ['name', 'shape', 'datatype'])
    if (!(key in raw)) throw envelopeError(`${at} must have required property '${key}'`);
  if (typeof raw.name !== 'string') throw envelopeError(`${at}/name must be string`);
  if (typeof raw.datatype !== 'string') throw envelopeError(`${at}/datatype must be string`);
  if (!Array.isArray(raw.shape)) throw envelopeError(`${at}/shape must be array`);
  raw.shape.forEach((d: unknown, k) => {
    if (typeof d !== 'number' || !Number.isInteger(d)) throw envelopeError(`${at}/shape/${k} must be integer`);
    if (d < 0) throw envelopeError(`${at}/shape/${k} must be >= 0`);
  });
  if (raw.parameters !== undefined && !isObject(raw.parameters)) throw envelopeError(`${at}/parameters must be object`);
}

function shapeMatches(spec: readonly (number | string)[], got: readonly number[]): boolean {
  if (spec.length !== got.length) return false;
  return spec.every((d, i) => typeof d !== 'number' || d < 0 || d === got[i]);
}

/** Which size each symbolic dim (e.g. "batch") took, and in which input, so inputs sharing it must agree. */
export type DimBindings = Map<string, { size: number; input: string }>;

/** Check one input against the model's signature: known, given once, right datatype and shape. */
export function checkInputSignature(
  input: V2RequestInput,
  byName: ReadonlyMap<string, TensorSpec>,
  seen: Set<string>,
  bindings: DimBindings,
): void {
  const spec = byName.get(input.name);
  if (!spec) {
    const names = [...byName.keys()].map((n) => `"${n}"`).join(', ');
    throw new OodError('UNKNOWN_INPUT', `unknown input "${input.name}"; the model takes ${names}`);
  }
  if (seen.has(input.name)) throw new OodError('DUPLICATE_INPUT', `input "${input.name}" is given twice`);
  seen.add(input.name);
  if (input.datatype !== spec.datatype) {
    throw new OodError(
      'DATATYPE_MISMATCH',
      `input "${input.name}": expected datatype ${spec.datatype}, got ${input.datatype}`,
    );
  }
  if (!shapeMatches(spec.shape, input.shape)) {
    throw new OodError(
      'SHAPE_MISMATCH',
      `input "${input.name}": expected shape ${formatShape(spec.shape)}, got ${formatShape(input.shape)}`,
    );
  }
  spec.shape.forEach((dim, i) => {
    if (typeof dim !== 'string') return;
    const bound = bindings.get(dim);
    if (!bound) bindings.set(dim, { size: input.shape[i]!, input: input.name });
    else if (bound.size !== input.shape[i]) {
      throw new OodError(
        'SHAPE_MISMATCH',
        `dimension "${dim}" is ${bound.size} in input "${bound.input}" but ${input.shape[i]} in input "${input.name}"`,
      );
    }
  });
}

/** After the pass: every input of the signature must have come. */
export function checkNoneMissing(inputs: readonly TensorSpec[], seen: ReadonlySet<string>): void {
  const missing = inputs.filter((t) => !seen.has(t.name));
  if (missing.length > 0) {
    throw new OodError(
      'MISSING_INPUT',
      `missing input ${missing.map((t) => `"${t.name}" (${t.datatype} ${formatShape(t.shape)})`).join(', ')}`,
    );
  }
}
