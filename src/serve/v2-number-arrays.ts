// A large V2 JSON request is almost all one thing: the `data` arrays of its input tensors, hundreds of thousands
// of numbers (ResNet-18's 3x224x224 input is 2.8 MiB of text). JSON.parse turns each into a JS number in a JS
// array, which the tensor codec then copies into a typed array. Here those arrays are read straight from the body's
// bytes into a Float64Array, and only the small rest of the body goes through JSON.parse, so the big array never
// exists as JS values (bench/json-decode.mjs measures both).
//
// The values are JSON.parse's, bit for bit, where an array is marked exact: a number of at most 15 significant
// digits whose decimal exponent is within ±22 is one exact integer times or divided by one exact power of ten,
// which IEEE 754 rounds correctly (Clinger's fast path, which V8's own strtod takes); a number past that goes
// through Number() on its text, JSON.parse's own conversion. The one exception is a number of 16 to 19 digits,
// what a float32 written as its shortest double looks like: computed to within 2^-51 and checked to round to the
// same float32, it marks its array good for an FP32 tensor only. Anything else in an array (a string, true, a bare
// NaN, a syntax error) leaves the array to JSON.parse and its errors as they were; so does an array whose key
// cannot be proven to be a tensor's `data` (the parsed request must hold every extracted array at
// /inputs/N/data, or the body is parsed whole).
import { randomBytes } from 'node:crypto';
import { decodeJsonTensor } from '../tensor/json-codec.js';
import { elementCount, type NamedTensor } from '../tensor/tensor.js';

/** Bodies below this are parsed whole: JSON.parse of a few KiB costs microseconds. */
export const MIN_BODY_BYTES = 16 * 1024;

const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k); // exact as doubles up to 1e22
const KEY = Buffer.from('"data"');
/** A string no client sends, marking where an extracted array was (a fresh nonce per process). */
const MARK = `\u0000ood-array:${randomBytes(6).toString('hex')}:`;

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/** The numbers of one array, as doubles; `exact`: each is JSON.parse's, else only fround() of each is. */
export interface NumberArray {
  values: Float64Array;
  exact: boolean;
}

/**
 * Read a JSON array of numbers (nested arrays flattened, as the tensor codec does) starting at `at` (its `[`).
 * Returns the values and the index after the closing `]`, or undefined when it holds anything but numbers or is
 * not valid JSON. A number of 16 to 19 significant digits (a float32 written as the shortest double, as Python's
 * json writes `tolist()` of a float32 array) is computed with two roundings and marks the array inexact: right
 * as float32, which is all an FP32 tensor keeps, and no longer taken for any other datatype.
 */
export function readNumberArray(b: Buffer, at: number): (NumberArray & { end: number }) | undefined {
  // About 20 bytes per number (a float32 as its shortest double, and a comma); grown when there are more.
  let values = new Float64Array(Math.max(64, Math.ceil((b.length - at) / 16)));
  let count = 0;
  let depth = 0;
  let i = at;
  const n = b.length;
  // After `[` or `,` a value is due; after a value, `,` or `]`.
  let wantValue = true;
  let emptyAllowed = true;
  /** Every value is the double JSON.parse gives; when false, only its float32 rounding is. */
  let exact = true;
  while (i < n) {
    const c = b[i]!;
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (wantValue) {
      if (c === 0x5b) {
        depth++;
        i++;
        emptyAllowed = true;
        continue;
      }
      if (c === 0x5d && emptyAllowed && depth > 0) {
        depth--;
        i++;
        wantValue = false;
        if (depth === 0) return { values: values.subarray(0, count), exact, end: i };
        continue;
      }
      // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
      const start = i;
      const negative = c === 0x2d;
      if (negative) i++;
      if (i >= n || !isDigit(b[i]!)) return undefined;
      // Up to 19 significant digits: the first 15 in `high` (exact), the next 4 in `low`; any further non-zero
      // digit (`dropped`) sends the number to Number().
      let high = 0;
      let low = 0;
      let lowDigits = 0;
      let digits = 0;
      let dropped = false;
      let scale = 0; // decimal exponent of the last digit kept
      let d = b[i]! - 0x30;
      if (d === 0) {
        d = b[++i]! - 0x30;
        if (d >= 0 && d <= 9) return undefined; // leading zero
      } else {
        for (; d >= 0 && d <= 9; d = b[++i]! - 0x30) {
          if (digits < 15) high = high * 10 + d;
          else if (digits < 19) {
            low = low * 10 + d;
            lowDigits++;
          } else {
            if (d !== 0) dropped = true;
            scale++;
          }
          digits++;
        }
      }
      if (d === 0x2e - 0x30) {
        d = b[++i]! - 0x30;
        if (!(d >= 0 && d <= 9)) return undefined;
        for (; d >= 0 && d <= 9; d = b[++i]! - 0x30) {
          if (digits === 0 && d === 0)
            scale--; // leading zeros of a fraction
          else if (digits < 15) {
            high = high * 10 + d;
            digits++;
            scale--;
          } else if (digits < 19) {
            low = low * 10 + d;
            lowDigits++;
            digits++;
            scale--;
          } else if (d !== 0) dropped = true;
        }
      }
      let exponent = 0;
      if (i < n && (b[i] === 0x65 || b[i] === 0x45)) {
        i++;
        let sign = 1;
        if (i < n && (b[i] === 0x2b || b[i] === 0x2d)) sign = b[i++] === 0x2d ? -1 : 1;
        if (i >= n || !isDigit(b[i]!)) return undefined;
        while (i < n && isDigit(b[i]!)) {
          if (exponent < 100_000) exponent = exponent * 10 + (b[i]! - 0x30);
          i++;
        }
        exponent *= sign;
      }
      const e10 = scale + exponent;
      let value: number;
      if (dropped || e10 < -22 || e10 > 22) value = Number(b.toString('latin1', negative ? start + 1 : start, i));
      else if (lowDigits === 0)
        value = e10 >= 0 ? high * POW10[e10]! : high / POW10[-e10]!; // exact
      else {
        // At most three roundings, so within 2^-51 of the exact value: it rounds to the same float32 as the exact
        // value unless a float32 rounding boundary lies within 2^-50 of it, which the two probes detect.
        const m = high * POW10[lowDigits]! + low;
        value = e10 >= 0 ? m * POW10[e10]! : m / POW10[-e10]!;
        if (Math.fround(value * (1 - 2 ** -50)) === Math.fround(value * (1 + 2 ** -50))) exact = false;
        else value = Number(b.toString('latin1', negative ? start + 1 : start, i));
      }
      if (count === values.length) {
        const grown = new Float64Array(values.length * 2);
        grown.set(values);
        values = grown;
      }
      values[count++] = negative ? -value : value;
      wantValue = false;
      continue;
    }
    if (c === 0x2c) {
      wantValue = true;
      emptyAllowed = false;
      i++;
      continue;
    }
    if (c === 0x5d) {
      depth--;
      i++;
      if (depth === 0) return { values: values.subarray(0, count), exact, end: i };
      continue;
    }
    return undefined;
  }
  return undefined;
}

/**
 * The body's JSON text with each large `"data": [numbers]` array replaced by a marker, and the arrays; or
 * undefined when there is nothing to take out.
 */
export function extractNumberArrays(body: Buffer): { text: string; arrays: NumberArray[] } | undefined {
  if (body.length < MIN_BODY_BYTES) return undefined;
  const arrays: NumberArray[] = [];
  const parts: string[] = [];
  let copied = 0;
  for (let at = body.indexOf(KEY); at >= 0; at = body.indexOf(KEY, at + KEY.length)) {
    if (at > 0 && body[at - 1] === 0x5c) continue; // an escaped quote: inside a string
    let i = at + KEY.length;
    while (i < body.length && isSpace(body[i]!)) i++;
    if (body[i] !== 0x3a) continue;
    i++;
    while (i < body.length && isSpace(body[i]!)) i++;
    if (body[i] !== 0x5b) continue;
    const array = readNumberArray(body, i);
    if (!array || array.values.length < 256) continue;
    parts.push(body.toString('utf8', copied, i), JSON.stringify(`${MARK}${arrays.length}`));
    arrays.push({ values: array.values, exact: array.exact });
    copied = array.end;
    at = array.end - KEY.length;
  }
  if (arrays.length === 0) return undefined;
  parts.push(body.toString('utf8', copied));
  return { text: parts.join(''), arrays };
}

/**
 * Put the extracted arrays back where JSON.parse found their markers, as Float64Arrays. True only when every one
 * is at /inputs/N/data (of an FP32 input, if inexact) and nowhere else holds a marker; otherwise the caller
 * parses the body whole.
 */
export function restoreNumberArrays(parsed: unknown, arrays: NumberArray[]): boolean {
  const inputs = (parsed as { inputs?: unknown } | null)?.inputs;
  if (!Array.isArray(inputs)) return false;
  let restored = 0;
  for (const input of inputs) {
    const data = (input as { data?: unknown } | null)?.data;
    if (typeof data !== 'string' || !data.startsWith(MARK)) continue;
    const k = Number(data.slice(MARK.length));
    const array = arrays[k];
    if (array === undefined || (!array.exact && (input as { datatype?: unknown }).datatype !== 'FP32')) return false;
    (input as { data: unknown }).data = array.values;
    restored++;
  }
  return restored === arrays.length;
}

/**
 * Parse a large body with its tensor data arrays read here and the rest by `parse`; undefined when the body is
 * small, holds no such array, or anything is off (a syntax error included): the caller then parses it whole, so an
 * error names the body as sent.
 */
export function parseWithNumberArrays(body: Buffer, parse: (text: string) => unknown): unknown {
  const extracted = extractNumberArrays(body);
  if (!extracted) return undefined;
  try {
    const parsed = parse(extracted.text);
    return restoreNumberArrays(parsed, extracted.arrays) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A tensor from an extracted array: FP32 and FP64 of the right count directly (the same float32 rounding as the
 * codec's element-by-element copy); anything else through the codec as the plain array JSON.parse would have
 * made, so its checks and its errors are the same.
 */
export function decodeNumberArray(name: string, datatype: string, shape: readonly number[], values: Float64Array) {
  if ((datatype === 'FP32' || datatype === 'FP64') && values.length === elementCount(shape)) {
    const data = datatype === 'FP32' ? new Float32Array(values) : values.slice();
    return { name, datatype, shape: [...shape], data } satisfies NamedTensor;
  }
  return decodeJsonTensor(name, datatype, shape, Array.from(values));
}
