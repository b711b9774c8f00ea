// Request bodies whose 64-bit integers must arrive exactly. JSON.parse reads every number as an IEEE 754 double,
// exact only to 2^53 (ECMA-262, Number type), so an INT64 or UINT64 element such as 9007199254740993 or
// 9223372036854775807 would reach the model rounded, without a word. RFC 8259 section 6 leaves the range to the
// implementation, the Open Inference Protocol's tensor_data items are plain JSON numbers, and the binary tensor
// data extension carries every bit pattern; a client that writes int64 in JSON expects its digits to be read.
//
// So a body is read by JSON.parse first, as always; only when the tensor codec meets a 64-bit integer element a
// double cannot hold exactly (|v| >= 2^53) is the body parsed again by lossless-json, which hands each number
// literal to us as text: integer literals beyond 2^53 become bigint, every other literal the double JSON.parse
// gives (io/exact-json.ts, shared with the data files users give). An ordinary request pays nothing
// (bench/json-int64.mjs).
import { OodError } from '../errors.js';
import { parseJsonExactly } from '../io/exact-json.js';
import { parseJsonAllowingNonFinite } from './non-finite-json.js';

/**
 * Parse a request body exactly: bare NaN / Infinity tokens allowed (non-finite-json.ts), integers beyond 2^53 as
 * bigint. A syntax error (JSON.parse read the body already, so there should be none) is the same 400 as ever.
 */
export function parseBodyExactly(bytes: Buffer): unknown {
  try {
    return parseJsonAllowingNonFinite(bytes.toString('utf8'), parseJsonExactly);
  } catch (err) {
    throw new OodError('BAD_JSON', `the request body is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}
