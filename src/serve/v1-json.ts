// JSON text as TF-Serving's REST API writes it (tensorflow_serving/g3doc/api_rest.md, "JSON mapping" and "JSON
// conformance"): floats may be the tokens NaN, Infinity and -Infinity ("The REST API described on this page allows
// request/response JSON objects to have such values"; Python's json module and JavaScript's eval read them),
// 64-bit integers are written digit for digit, and binary strings are {"b64": "..."} objects.
import type { Tensor } from '../tensor/tensor.js';
import { nest, tensorElements } from '../tensor/json-codec.js';

/** A value the V1 writer takes: JSON values plus bigint, non-finite numbers and Buffer (written as {"b64"}). */
export type V1Value = number | bigint | boolean | string | null | Buffer | V1Value[] | { [key: string]: V1Value };

/** Write a V1 value as JSON text, TF-Serving's way. */
export function writeV1Json(value: V1Value): string {
  // String() spells non-finite numbers as exactly the tokens NaN, Infinity, -Infinity; -0 keeps its sign.
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return JSON.stringify(value);
  if (Buffer.isBuffer(value)) return `{"b64":${JSON.stringify(value.toString('base64'))}}`;
  if (Array.isArray(value)) return `[${value.map(writeV1Json).join(',')}]`;
  const parts = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${writeV1Json(v)}`);
  return `{${parts.join(',')}}`;
}

/**
 * A tensor's elements nested to its shape, as V1 writes them. "Named tensors that have _bytes as a suffix in
 * their name are considered to have binary values" and go out as {"b64": ...} (api_rest.md, "Output of binary
 * values").
 */
export function v1TensorValue(tensor: Tensor & { name: string }): V1Value {
  const binary = tensor.datatype === 'BYTES' && tensor.name.endsWith('_bytes');
  const flat = tensorElements(tensor).map((v) => (binary ? Buffer.from(String(v), 'utf8') : v));
  return nest(flat, tensor.shape) as V1Value;
}
