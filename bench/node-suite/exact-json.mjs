// JSON text written and read without losing a value: JSON.parse turns 9223372036854775807 into 2^63 and "-0"
// into 0, so the node-suite run reads responses with this small parser, which keeps every number as its text
// (RFC 8259 section 6 leaves number precision to the implementation). It also reads the NaN / Infinity /
// -Infinity tokens Python's json module writes, so a server that answers with them is compared, not crashed.

/** A JSON number kept as its source text. */
export class JsonNumber {
  constructor(text) {
    this.text = text;
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|NaN|-?Infinity/y;

/** Parse JSON text, numbers as JsonNumber. Throws a SyntaxError naming the offset. */
export function parseExact(text) {
  let at = 0;
  const fail = (what) => {
    throw new SyntaxError(`${what} at offset ${at}: ${JSON.stringify(text.slice(at, at + 20))}`);
  };
  const space = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at])) at++;
  };
  // A string token (JSON.parse then checks its escapes and control characters).
  const string = () => {
    if (text[at] !== '"') return undefined;
    let end = at + 1;
    while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
    const token = text.slice(at, end + 1);
    at = end + 1;
    return token;
  };
  const match = (re) => {
    re.lastIndex = at;
    const m = re.exec(text);
    if (m) at += m[0].length;
    return m?.[0];
  };
  const value = () => {
    space();
    const c = text[at];
    if (c === '{') {
      at++;
      const out = {};
      space();
      if (text[at] === '}') return (at++, out);
      for (;;) {
        space();
        const key = string() ?? fail('expected a key');
        space();
        if (text[at++] !== ':') fail('expected ":"');
        out[JSON.parse(key)] = value();
        space();
        const next = text[at++];
        if (next === '}') return out;
        if (next !== ',') fail('expected "," or "}"');
      }
    }
    if (c === '[') {
      at++;
      const out = [];
      space();
      if (text[at] === ']') return (at++, out);
      for (;;) {
        out.push(value());
        space();
        const next = text[at++];
        if (next === ']') return out;
        if (next !== ',') fail('expected "," or "]"');
      }
    }
    if (c === '"') return JSON.parse(string());
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ]) {
      if (text.startsWith(word, at)) return ((at += word.length), v);
    }
    const n = match(NUMBER);
    return n === undefined ? fail('unexpected token') : new JsonNumber(n);
  };
  const out = value();
  space();
  if (at !== text.length) fail('trailing text');
  return out;
}

/** JSON text of a number element, exact: bigints in full, -0 with its sign, non-finite as Python's tokens. */
export function exactNumberText(v) {
  if (typeof v === 'bigint') return v.toString();
  if (Object.is(v, -0)) return '-0';
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return String(v);
}
