// KServe V2 JSON tensor data <-> the typed arrays of datatypes.ts: the one decoder for request bodies and for data
// files of V2 requests. `data` may be flat or nested (row-major), as the Open Inference Protocol's "Tensor Data"
// allows; elements are written straight into a preallocated typed array, never collected into an intermediate
// array.
//
// Non-finite floats. RFC 8259 JSON has no NaN or Infinity, and the protocol's OpenAPI `tensor_data` items are
// number | string | boolean (open_inference_rest.yaml, components/schemas/tensor_data). So a non-finite element is
// written as one of the strings "NaN", "Infinity", "-Infinity" (what JavaScript's Number(), Python's float() and
// NumPy's float casts read back), and those three strings are read as the values they name, so a response can be
// sent back as a request. Python's json module writes the bare tokens NaN / Infinity / -Infinity instead; the
// request parser (serve/non-finite-json.ts) turns those into numbers before they get here. The binary extension
// carries every bit pattern exactly.
import { OodError } from '../errors.js';
import { fromBfloat16Bits, fromHalfBits, toBfloat16Bits, toHalfBits } from '../onnx/float16.js';
import { dataTypeFromV2, type DataType } from './datatypes.js';
import { allocate, elementCount, runnableDataType, type NamedTensor, type Tensor } from './tensor.js';

/** Stores one JSON value at an index; false when the value does not fit the datatype. */
type Sink = (value: unknown, index: number) => boolean;

/**
 * What the body parser (serve/non-finite-json.ts) puts where a request had a bare NaN token, which no JSON literal
 * yields: a float element reads it as NaN, a BYTES element refuses it (its NUL cannot be a BYTES element either).
 */
export const BARE_NAN = '\u0000NaN';

/** The strings that stand for non-finite floats in V2 JSON, both ways. */
const NON_FINITE: ReadonlyMap<string, number> = new Map([
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
  [BARE_NAN, NaN],
]);

/**
 * A float element: a JSON number (a bigint when an exact parse read a long integer literal, serve/exact-json.ts),
 * or one of the three non-finite strings; undefined when none of these.
 */
function floatOf(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return NON_FINITE.get(v);
  return typeof v === 'bigint' ? Number(v) : undefined;
}

/** A JSON value as a message quotes it (JSON.stringify throws on bigint and drops NaN). */
export function showValue(v: unknown): string {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return JSON.stringify(v) ?? String(v);
}

/** 2^53: the first integer a double cannot tell from its neighbour (2^53 + 1 reads as 2^53). */
const EXACT_LIMIT = 2 ** 53;

/**
 * A 64-bit integer element that came as a double beyond 2^53, whose digits may already be lost. A request body
 * read by JSON.parse is then read again exactly (serve/v2-request.ts decodeJsonBody), so this reaches a client only
 * for what no exact parse can recover: a float literal (9.2e18), or a data file's value.
 */
export class RoundedInteger extends OodError<'BAD_TENSOR_DATA'> {
  constructor(name: string, datatype: string, index: number, value: number) {
    super(
      'BAD_TENSOR_DATA',
      `input "${name}": ${datatype} element ${index} is ${value}, beyond 2^53, where a JSON number read as a double may already be rounded`,
      {
        hint:
          `Write ${datatype} values as integer literals, digit for digit (request bodies read those exactly), or ` +
          'send the tensor with the binary tensor data extension.',
      },
    );
  }
}

/**
 * BYTES elements onnxruntime-node cannot carry faithfully: it hands strings to the C API as NUL-terminated UTF-8,
 * so a NUL would cut the element short and a lone UTF-16 surrogate (not encodable as UTF-8) would become U+FFFD.
 */
const UNCARRIABLE = /[\0\p{Cs}]/u;

/** The fast check of the same (V8's String#isWellFormed, ES2024, in Node 20): the regex only words the error. */
const carriable = (s: string): boolean =>
  s.indexOf('\0') < 0 && (s as unknown as { isWellFormed(): boolean }).isWellFormed();

/** Why a BYTES element cannot reach the model unchanged, or undefined when it can. */
export function bytesElementProblem(s: string): string | undefined {
  const m = UNCARRIABLE.exec(s);
  if (!m) return undefined;
  return m[0] === '\0'
    ? `holds a NUL character at offset ${m.index}, which onnxruntime's strings cannot carry`
    : `holds a lone UTF-16 surrogate at offset ${m.index}, which is not valid UTF-8`;
}

function sinkFor(type: DataType, out: ReturnType<typeof allocate>, name: string, datatype: string): Sink {
  const arr = out as unknown as Record<number, number | bigint | string>;
  switch (type.json) {
    case 'string':
      return (v, i) => typeof v === 'string' && carriable(v) && ((arr[i] = v), true);
    case 'boolean':
      return (v, i) => {
        if (v === true || v === 1) arr[i] = 1;
        else if (v === false || v === 0) arr[i] = 0;
        else return false;
        return true;
      };
    case 'binary16':
      return (v, i) => {
        const f = floatOf(v);
        return f !== undefined && ((arr[i] = toHalfBits(f)), true);
      };
    case 'bfloat16':
      return (v, i) => {
        const f = floatOf(v);
        return f !== undefined && ((arr[i] = toBfloat16Bits(f)), true);
      };
    case 'integer': {
      const [lo, hi] = type.range!;
      if (type.bytes === 8) {
        // A double is exact to 2^53; past it only a bigint (an exactly parsed integer literal) is taken as sent.
        return (v, i) => {
          let b: bigint;
          if (typeof v === 'bigint') b = v;
          else if (typeof v === 'number' && Number.isInteger(v)) {
            if (Math.abs(v) >= EXACT_LIMIT) throw new RoundedInteger(name, datatype, i, v);
            b = BigInt(v);
          } else return false;
          return b >= lo && b <= hi && ((arr[i] = b), true);
        };
      }
      const [min, max] = [Number(lo), Number(hi)];
      return (v, i) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max && ((arr[i] = v), true);
    }
    default:
      return (v, i) => {
        const f = floatOf(v);
        return f !== undefined && ((arr[i] = f), true);
      };
  }
}

/**
 * Decode one tensor's JSON `data` against its declared shape and datatype. Throws a 400 OodError that names the
 * tensor, what was expected and what came.
 */
export function decodeJsonTensor(name: string, datatype: string, shape: readonly number[], data: unknown): NamedTensor {
  const type = runnableDataType(datatype, name);
  const expected = elementCount(shape);
  // A shape is only a claim: [1e15, 1, 8, 8] must be a 400, not a huge (or impossible) allocation. Past a few
  // MiB, the elements that actually came are counted first, and memory is taken only for data that exists.
  if (expected > PRECOUNT_ABOVE) {
    const count = countLeaves(data);
    if (count !== expected) throw countMismatch(name, shape, expected, count);
  }
  const out = allocate(datatype, expected);
  if (type.json === 'float' && fillFloats(out as Float32Array | Float64Array, data, shape.length) === expected) {
    return { name, datatype, shape: [...shape], data: out };
  }
  const sink = sinkFor(type, out, name, datatype);
  let count = 0;
  let bad: { index: number; value: unknown } | undefined;
  const take = (v: unknown) => {
    if (count < expected && !sink(v, count)) bad = { index: count, value: v };
    count++;
  };
  // Depth first and in order, on an explicit stack: data nested 100 000 deep must be a 400, not a stack overflow.
  // No valid tensor nests deeper than its rank.
  const maxDepth = Math.max(shape.length, 1);
  if (!Array.isArray(data)) take(data);
  else {
    const stack: { node: unknown[]; at: number }[] = [{ node: data, at: 0 }];
    while (stack.length > 0 && !bad) {
      const top = stack[stack.length - 1]!;
      if (top.at >= top.node.length) {
        stack.pop();
        continue;
      }
      const v = top.node[top.at++];
      if (!Array.isArray(v)) take(v);
      else if (stack.length >= maxDepth) throw tooDeep(name, shape);
      else stack.push({ node: v, at: 0 });
    }
  }
  if (bad) {
    if (bad.value === BARE_NAN) bad.value = NaN; // say what the client sent
    const problem =
      typeof bad.value === 'string' && type.json === 'string' ? bytesElementProblem(bad.value) : undefined;
    if (problem) {
      throw new OodError('BAD_TENSOR_DATA', `input "${name}": BYTES element ${bad.index} ${problem}`, {
        hint: 'BYTES reach onnxruntime as NUL-terminated UTF-8: remove the character, or send raw bytes as UINT8.',
      });
    }
    throw new OodError(
      'BAD_TENSOR_DATA',
      `input "${name}": element ${bad.index} is ${showValue(bad.value)}, not a valid ${datatype} value`,
      {
        hint:
          type.json === 'boolean'
            ? 'BOOL elements are true or false.'
            : type.json === 'string'
              ? `Send ${datatype} values as JSON strings.`
              : type.json === 'integer'
                ? `Send ${datatype} values as JSON integers within the type's range.`
                : `Send ${datatype} values as JSON numbers, or "NaN", "Infinity", "-Infinity".`,
      },
    );
  }
  if (count !== expected) throw countMismatch(name, shape, expected, count);
  return { name, datatype, shape: [...shape], data: out };
}

/** Above this many elements (8 MiB of FP64), the data is counted before anything is allocated. */
const PRECOUNT_ABOVE = 1 << 20;

function tooDeep(name: string, shape: readonly number[]): OodError {
  return new OodError(
    'BAD_TENSOR_DATA',
    `input "${name}": data is nested deeper than its shape [${shape.join(', ')}] has dimensions`,
    { hint: 'Send data as a flat array, or nested once per dimension of the shape.' },
  );
}

function countMismatch(name: string, shape: readonly number[], expected: number, count: number): OodError {
  return new OodError(
    'ELEMENT_COUNT_MISMATCH',
    `input "${name}": shape [${shape.join(', ')}] needs ${expected} elements, got ${count}`,
    { hint: 'Make the number of data elements equal the product of the shape.' },
  );
}

/** The scalars in a (nested) JSON array, without recursion a hostile depth could overflow. */
function countLeaves(data: unknown): number {
  if (!Array.isArray(data)) return 1;
  let count = 0;
  const stack: unknown[][] = [data];
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (let k = 0; k < node.length; k++) {
      const v = node[k];
      if (Array.isArray(v)) stack.push(v);
      else count++;
    }
  }
  return count;
}

/**
 * The hot path for float tensors: rows of numbers copied in tight loops. Returns the element count, or -1 when
 * anything is off (wrong count, a non-number), in which case the general decoder runs and words the error.
 */
function fillFloats(out: Float32Array | Float64Array, data: unknown, rank: number): number {
  let at = 0;
  const fill = (node: unknown[], depth: number): boolean => {
    const n = node.length;
    if (n > 0 && Array.isArray(node[0])) {
      if (depth >= rank) return false; // deeper than the shape: the general decoder words the error
      for (let k = 0; k < n; k++) {
        const child = node[k];
        if (!Array.isArray(child) || !fill(child, depth + 1)) return false;
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
  return Array.isArray(data) && fill(data, 1) ? at : -1;
}

/** JSON text of a tensor's elements as a flat array (the V2 response form); non-finite floats as strings. */
export function encodeJsonData(tensor: Tensor): string {
  const { datatype, data } = tensor;
  if (datatype === 'BYTES')
    return JSON.stringify(Array.from(data as ArrayLike<string>, (s) => (typeof s === 'string' ? s : String(s))));
  if (datatype === 'BOOL')
    return `[${Array.from(data as ArrayLike<number | boolean>, (v) => (v ? 'true' : 'false')).join(',')}]`;
  if (datatype === 'FP16')
    return `[${Array.from(data as ArrayLike<number>, (b) => floatText(fromHalfBits(b))).join(',')}]`;
  if (datatype === 'BF16')
    return `[${Array.from(data as ArrayLike<number>, (b) => floatText(fromBfloat16Bits(b))).join(',')}]`;
  if (datatype === 'FP32' || datatype === 'FP64') {
    const floats = data as ArrayLike<number>;
    for (let i = 0; i < floats.length; i++) {
      const v = floats[i]!;
      // Non-finite values and -0, which Array#join would write as "0": both take the element-wise path.
      if (v - v !== 0 || (v === 0 && 1 / v < 0)) return `[${Array.from(floats, floatText).join(',')}]`;
    }
  }
  return `[${Array.prototype.join.call(data, ',')}]`;
}

/** A float as V2 JSON: a number (-0 with its sign, RFC 8259 allows it), or "NaN" / "Infinity" / "-Infinity". */
function floatText(v: number): string {
  if (v === 0 && 1 / v < 0) return '-0';
  return Number.isFinite(v) ? String(v) : `"${String(v)}"`;
}

/**
 * The elements of a tensor as JS values: numbers (NaN and ±Infinity kept; FP16/BF16 decoded), bigint for 64-bit
 * integers (exact), booleans for BOOL, strings for BYTES. Each protocol's writer decides how to spell them.
 */
export function tensorElements(tensor: Tensor): (number | bigint | boolean | string)[] {
  const { datatype, data } = tensor;
  const json = dataTypeFromV2(datatype)?.json;
  if (datatype === 'BYTES') return Array.from(data as ArrayLike<string>, (s) => String(s));
  if (datatype === 'BOOL') return Array.from(data as ArrayLike<number | boolean>, (v) => Boolean(v));
  if (json === 'binary16') return Array.from(data as ArrayLike<number>, fromHalfBits);
  if (json === 'bfloat16') return Array.from(data as ArrayLike<number>, fromBfloat16Bits);
  return Array.from(data as ArrayLike<number | bigint>);
}

/** The elements of a tensor as plain JS values for JSON.stringify (64-bit integers as numbers, exact to 2^53). */
export function tensorValues(tensor: Tensor): unknown[] {
  return tensorElements(tensor).map((v) => (typeof v === 'bigint' ? Number(v) : v));
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
