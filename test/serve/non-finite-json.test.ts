// JSON with Python's NaN / Infinity / -Infinity tokens: read as numbers outside strings, left alone inside them.
import { describe, expect, it } from 'vitest';
import { parseJsonAllowingNonFinite } from '../../src/serve/non-finite-json.js';
import { BARE_NAN, decodeJsonTensor } from '../../src/tensor/json-codec.js';

describe('parseJsonAllowingNonFinite', () => {
  it('reads the bare tokens Python json.dumps writes as what float tensors take for them', () => {
    const parsed = parseJsonAllowingNonFinite('{"a": [NaN, Infinity, -Infinity, 1e3], "b": -Infinity}') as any;
    expect(parsed).toEqual({ a: [BARE_NAN, Infinity, -Infinity, 1000], b: -Infinity });
    expect(Array.from(decodeJsonTensor('a', 'FP32', [4], parsed.a).data as Float32Array)).toEqual([
      NaN,
      Infinity,
      -Infinity,
      1000,
    ]);
    expect(() => decodeJsonTensor('a', 'BYTES', [1], [BARE_NAN])).toThrow(
      'input "a": element 0 is NaN, not a valid BYTES value',
    );
  });

  it('leaves the same words inside strings untouched, escapes included', () => {
    expect(parseJsonAllowingNonFinite('["NaN", "say \\"Infinity\\"", NaN]')).toEqual([
      'NaN',
      'say "Infinity"',
      BARE_NAN,
    ]);
  });

  it("throws JSON.parse's own error for text that is not JSON even with the tokens", () => {
    let strict = '';
    try {
      JSON.parse('[NaN, }');
    } catch (err) {
      strict = (err as Error).message;
    }
    expect(() => parseJsonAllowingNonFinite('[NaN, }')).toThrow(strict);
    expect(() => parseJsonAllowingNonFinite('[nan]')).toThrow(SyntaxError);
    expect(() => parseJsonAllowingNonFinite('[NaNa]')).toThrow(SyntaxError);
  });
});
