// JSON with Python's NaN / Infinity / -Infinity tokens: read as numbers outside strings, left alone inside them.
import { describe, expect, it } from 'vitest';
import { parseJsonAllowingNonFinite } from '../../src/serve/non-finite-json.js';

describe('parseJsonAllowingNonFinite', () => {
  it('reads the bare tokens Python json.dumps writes as the numbers they name', () => {
    expect(parseJsonAllowingNonFinite('{"a": [NaN, Infinity, -Infinity, 1e3], "b": -Infinity}')).toEqual({
      a: [NaN, Infinity, -Infinity, 1000],
      b: -Infinity,
    });
  });

  it('leaves the same words inside strings untouched, escapes included', () => {
    expect(parseJsonAllowingNonFinite('["NaN", "say \\"Infinity\\"", NaN]')).toEqual(['NaN', 'say "Infinity"', NaN]);
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
