// JSON whose 64-bit integers must arrive exactly. JSON.parse reads every number as an IEEE 754 double, exact only
// to 2^53 (ECMA-262, Number type), so an INT64 or UINT64 element such as 9007199254740993 or 9223372036854775807
// would be rounded without a word. RFC 8259 section 6 leaves the range to the implementation; a user who writes
// int64 in JSON expects its digits to be read. lossless-json (MIT, no dependencies) hands each number literal to
// us as text: integer literals beyond 2^53 become bigint, every other literal the double JSON.parse gives.
// The server's request bodies (serve/exact-json.ts) and the data files users give (an artifact's sample.json,
// --data requests) are read through here, so a value reads the same wherever it comes from.
import { parse, stringify } from 'lossless-json';

const INTEGER_LITERAL = /^-?\d+$/;

/** A number literal as JSON.parse would read it, except an integer beyond 2^53, which stays exact. */
function exactNumber(literal: string): number | bigint {
  const n = Number(literal);
  return Number.isSafeInteger(n) || !INTEGER_LITERAL.test(literal) ? n : BigInt(literal);
}

/** Parse RFC 8259 text with integer literals beyond 2^53 as bigint; a duplicated key keeps its last value. */
export function parseJsonExactly(text: string): unknown {
  return parse(text, null, { parseNumber: exactNumber, onDuplicateKey: ({ newValue }) => newValue });
}

/** An integer literal of 2^53 (9007199254740992) or more has at least 16 digits. */
const LONG_DIGIT_RUN = /\d{16}/;

/**
 * A data file's JSON: JSON.parse, unless the text holds a run of 16 digits (where an integer literal at or beyond
 * 2^53 may be), then parseJsonExactly. Throws the parser's SyntaxError for text that is not JSON.
 */
export function parseDataJson(text: string): unknown {
  return LONG_DIGIT_RUN.test(text) ? parseJsonExactly(text) : JSON.parse(text);
}

/** JSON text of `value` with bigint written as its digits; otherwise what JSON.stringify writes (NaN as null). */
export function stringifyExactly(value: unknown): string {
  return stringify(value) ?? 'null';
}
