// KServe V2 JSON tensor data <-> the typed arrays of datatypes.ts: the one decoder for request bodies and for data
// files of V2 requests. `data` may be flat or nested (row-major), as the Open Inference Protocol's "Tensor Data"
// allows; elements are written straight into a preallocated typed array, never collected into an intermediate
// array. Non-finite floats are not JSON: they are written as null (the binary extension carries them exactly).
import { OodError } from '../errors.js';
import { fromBfloat16Bits, fromHalfBits, toBfloat16Bits, toHalfBits } from '../onnx/float16.js';
import type { DataType } from './datatypes.js';
import { allocate, elementCount, runnableDataType, type NamedTensor, type Tensor } from './tensor.js';

/** Stores one JSON value at an index; false when the value does not fit the datatype. */
type Sink = (value: unknown, index: number) => boolean;

function sinkFor(type: DataType, out: ReturnType<typeof allocate>): Sink {
  const arr = out as unknown as Record<number, number | bigint | string>;
  switch (type.json) {
    case 'string':
      return (v, i) => typeof v === 'string' && ((arr[i] = v), true);
    case 'boolean':
      return (v, i) => {
        if (v === true || v === 1) arr[i] = 1;
        else if (v === false || v === 0) arr[i] = 0;
        else return false;
        return true;
      };
    case 'binary16':
      return (v, i) => typeof v === 'number' && ((arr[i] = toHalfBits(v)), true);
    case 'bfloat16':
      return (v, i) => typeof v === 'number' && ((arr[i] = toBfloat16Bits(v)), true);
    case 'integer': {
      const [lo, hi] = type.range!;
      if (type.bytes === 8) {
        // JSON numbers are exact to 2^53; larger 64-bit values travel exactly through the binary extension.
        return (v, i) => {
          if (typeof v !== 'number' || !Number.isInteger(v)) return false;
          const b = BigInt(v);
          return b >= lo && b <= hi && ((arr[i] = b), true);
        };
      }
      const [min, max] = [Number(lo), Number(hi)];
      return (v, i) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max && ((arr[i] = v), true);
    }
    default:
      return (v, i) => typeof v === 'number' && ((arr[i] = v), true);
  }
}

/**
 * Decode one tensor's JSON `data` against its declared shape and datatype. Throws a 400 OodError that names the
 * tensor, what was expected and what came.
 */
export function decodeJsonTensor(name: string, datatype: string, shape: readonly number[], data: unknown): NamedTensor {
  const type = runnableDataType(datatype, name);
  const expected = elementCount(shape);
  const out = allocate(datatype, expected);
  if (type.json === 'float' && fillFloats(out as Float32Array | Float64Array, data) === expected) {
    return { name, datatype, shape: [...shape], data: out };
  }
  const sink = sinkFor(type, out);
  let count = 0;
  let bad: { index: number; value: unknown } | undefined;
  const take = (v: unknown) => {
    if (count < expected && !sink(v, count)) bad = { index: count, value: v };
    count++;
  };
  const walk = (node: unknown): void => {
    if (!Array.isArray(node)) return take(node);
    for (let k = 0; k < node.length && !bad; k++) {
      const v = node[k];
      if (Array.isArray(v)) walk(v);
      else take(v);
    }
  };
  walk(data);
  if (bad) {
    throw new OodError(
      'BAD_TENSOR_DATA',
      `input "${name}": element ${bad.index} is ${JSON.stringify(bad.value) ?? String(bad.value)}, not a valid ${datatype} value`,
      {
        hint:
          type.json === 'boolean'
            ? 'BOOL elements are true or false.'
            : `Send ${datatype} values as JSON ${type.json === 'string' ? 'strings' : 'numbers'}.`,
      },
    );
  }
  if (count !== expected) {
    throw new OodError(
      'ELEMENT_COUNT_MISMATCH',
      `input "${name}": shape [${shape.join(', ')}] needs ${expected} elements, got ${count}`,
      { hint: 'Make the number of data elements equal the product of the shape.' },
    );
  }
  return { name, datatype, shape: [...shape], data: out };
}

/**
 * The hot path for float tensors: rows of numbers copied in tight loops. Returns the element count, or -1 when
 * anything is off (wrong count, a non-number), in which case the general decoder runs and words the error.
 */
function fillFloats(out: Float32Array | Float64Array, data: unknown): number {
  let at = 0;
  const fill = (node: unknown[]): boolean => {
    const n = node.length;
    if (n > 0 && Array.isArray(node[0])) {
      for (let k = 0; k < n; k++) {
        const child = node[k];
        if (!Array.isArray(child) || !fill(child)) return false;
      }
      return true;
    }
    if (at + n > out.length) return false;
    for (let k = 0; k < n; k++) {
      const v = node[k];
      if (typeof v !== 'number') return false;
      out[at + k] = v;
    }
    at += n;
    return true;
  };
  return Array.isArray(data) && fill(data) ? at : -1;
}

/** JSON text of a tensor's elements as a flat array (the V2 response form). */
export function encodeJsonData(tensor: Tensor): string {
  const { datatype, data } = tensor;
  if (datatype === 'BYTES')
    return JSON.stringify(Array.from(data as ArrayLike<string>, (s) => (typeof s === 'string' ? s : String(s))));
  if (datatype === 'BOOL')
    return `[${Array.from(data as ArrayLike<number | boolean>, (v) => (v ? 'true' : 'false')).join(',')}]`;
  if (datatype === 'FP16')
    return `[${Array.from(data as ArrayLike<number>, (b) => finiteOrNull(fromHalfBits(b))).join(',')}]`;
  if (datatype === 'BF16')
    return `[${Array.from(data as ArrayLike<number>, (b) => finiteOrNull(fromBfloat16Bits(b))).join(',')}]`;
  const text = Array.prototype.join.call(data, ',');
  if ((datatype === 'FP32' || datatype === 'FP64') && (text.includes('N') || text.includes('I'))) {
    return `[${Array.from(data as ArrayLike<number>, finiteOrNull).join(',')}]`;
  }
  return `[${text}]`;
}

function finiteOrNull(v: number): string {
  return Number.isFinite(v) ? String(v) : 'null';
}

/** The elements of a tensor as plain JSON values (numbers, strings, booleans, null), for V1 and DRUM bodies. */
export function tensorValues(tensor: Tensor): unknown[] {
  return JSON.parse(encodeJsonData(tensor)) as unknown[];
}

/** Nest a flat list row-major into `shape`, e.g. for V1 `predictions`. */
export function nest(flat: readonly unknown[], shape: readonly number[]): unknown {
  if (shape.length === 0) return flat[0];
  const build = (offset: number, dim: number): unknown[] => {
    const size = shape[dim]!;
    const stride = elementCount(shape.slice(dim + 1));
    const out: unknown[] = new Array(size);
    for (let i = 0; i < size; i++)
      out[i] = dim === shape.length - 1 ? flat[offset + i] : build(offset + i * stride, dim + 1);
    return out;
  };
  return build(0, 0);
}
