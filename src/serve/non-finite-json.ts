// JSON as Python's json module writes it by default (allow_nan=True): RFC 8259 plus the bare tokens NaN, Infinity
// and -Infinity. TF-Serving's REST API accepts them in requests ("JSON conformance" in
// tensorflow_serving/g3doc/api_rest.md), and NumPy arrays with a NaN reach a server through json.dumps that way, so
// every JSON body here is read with them. Strict JSON goes through JSON.parse alone; only a body that JSON.parse
// refuses is scanned for the tokens, so the fast path costs nothing.
import { BARE_NAN } from '../tensor/json-codec.js';

const NAN_TEXT = JSON.stringify(BARE_NAN);

/** Where each bare token starts, outside strings; empty when the text has none. */
function findTokens(text: string): { at: number; token: 'NaN' | 'Infinity' | '-Infinity' }[] {
  const found: { at: number; token: 'NaN' | 'Infinity' | '-Infinity' }[] = [];
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // a string: skip to its closing quote, stepping over escapes
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x4e && text.startsWith('NaN', i)) {
      found.push({ at: i, token: 'NaN' });
      i += 2;
    } else if (c === 0x49 && text.startsWith('Infinity', i)) {
      found.push({ at: i, token: 'Infinity' });
      i += 7;
    } else if (c === 0x2d && text.startsWith('-Infinity', i)) {
      found.push({ at: i, token: '-Infinity' });
      i += 8;
    }
  }
  return found;
}

/**
 * Parse JSON text that may hold NaN, Infinity and -Infinity as bare values, with JSON.parse or another parser of
 * RFC 8259 text (exact-json.ts). Throws the parser's own SyntaxError (for the text as sent) when the text is not
 * JSON even with them.
 */
export function parseJsonAllowingNonFinite(text: string, parse: (text: string) => unknown = JSON.parse): unknown {
  try {
    return parse(text);
  } catch (strictError) {
    const tokens = findTokens(text);
    if (tokens.length === 0) throw strictError;
    // ±Infinity become number literals that overflow to ±Infinity in JSON.parse (ECMA-262 rounds 1e999 to +∞).
    // NaN, which no JSON literal yields, becomes the string BARE_NAN, which the tensor codec reads as NaN in a float
    // tensor and refuses elsewhere; a reviver would cost more than the second parse itself.
    let rewritten = '';
    let last = 0;
    for (const { at, token } of tokens) {
      rewritten += text.slice(last, at);
      rewritten += token === 'NaN' ? NAN_TEXT : token === 'Infinity' ? '1e999' : '-1e999';
      last = at + token.length;
    }
    rewritten += text.slice(last);
    try {
      return parse(rewritten);
    } catch {
      throw strictError;
    }
  }
}
