// The V2 JSON fast path for large tensor data arrays (src/serve/v2-number-arrays.ts) against JSON.parse: the same
// doubles where it claims exactness, the same float32 always, JSON.parse's refusal of anything that is not JSON,
// and whole requests decoded to the same tensors and the same errors as the plain path.
import { describe, expect, it } from 'vitest';
import { readNumberArray, parseWithNumberArrays, MIN_BODY_BYTES } from '../../src/serve/v2-number-arrays.js';
import { decodeV2Request, parseJsonBody } from '../../src/serve/v2-request.js';
import { parseJsonAllowingNonFinite } from '../../src/serve/non-finite-json.js';
import { seededRandom } from '../../src/certainty/split.js';

const read = (text: string) => readNumberArray(Buffer.from(text), 0);

/** Number literals of every shape JSON allows, from a seeded generator. */
function literals(count: number, seed: number): string[] {
  const random = seededRandom(seed);
  const out: string[] = [];
  const sign = () => (random() < 0.5 ? '-' : '');
  for (let k = 0; k < count; k++) {
    const x = (random() - 0.5) * 10 ** Math.floor(random() * 12 - 6);
    switch (k % 8) {
      case 0: // a float32 written as the shortest double (Python's json.dumps of float32.tolist())
        out.push(String(Math.fround(x)));
        break;
      case 1: // a double
        out.push(String(x));
        break;
      case 2: // an integer of 1 to 22 digits
        out.push(sign() + String(1 + Math.floor(random() * 9)) + '0123456789012345678901'.slice(0, random() * 22));
        break;
      case 3: // exponents, small to overflowing and underflowing
        out.push(
          `${sign()}${Math.floor(random() * 1000) / 100}${random() < 0.5 ? 'e' : 'E'}${sign() || '+'}${Math.floor(random() * 400)}`,
        );
        break;
      case 4: // a fraction with many digits
        out.push(`${sign()}0.${String(random()).slice(2)}${String(random()).slice(2)}`);
        break;
      case 5: // leading zeros in the fraction
        out.push(`${sign()}0.0000${Math.floor(random() * 1e9)}`);
        break;
      case 6: // trailing zeros past 19 digits
        out.push(`1.234567890123456789000000${Math.floor(random() * 10)}`);
        break;
      default:
        out.push(
          ['0', '-0', '0.0', '1e308', '1.7976931348623157e308', '5e-324', '1e-320', '2.2250738585072014e-308'][k % 7]!,
        );
    }
  }
  return out;
}

describe('readNumberArray', () => {
  it('reads what JSON.parse reads: the same double when exact, the same float32 always', () => {
    const differences = (list: string[]) => {
      const got = read(`[${list.join(', ')}]`)!;
      const wrong = list.filter((l, i) => !Object.is(Math.fround(got.values[i]!), Math.fround(JSON.parse(l))));
      const inexact = list.filter((l) => {
        const one = read(`[${l}]`)!;
        return one.exact && !Object.is(one.values[0], JSON.parse(l));
      });
      return { count: got.values.length === list.length, wrong, inexact };
    };
    for (const seed of [1, 2, 3])
      expect(differences(literals(4000, seed))).toEqual({ count: true, wrong: [], inexact: [] });
    // Near a float32 rounding boundary (halfway between two neighbours), written with 18 and 19 digits: where
    // two roundings could land on the wrong side.
    const random = seededRandom(5);
    const halfway = Array.from({ length: 500 }, () => {
      const f = Math.fround((random() - 0.5) * 10 ** Math.floor(random() * 8 - 4));
      const next = new Float32Array([f]);
      new Int32Array(next.buffer)[0]! += f >= 0 ? 1 : -1;
      return (f + next[0]!) / 2;
    });
    expect(differences(halfway.flatMap((m) => [m.toPrecision(19), m.toPrecision(18), m.toPrecision(17)]))).toEqual({
      count: true,
      wrong: [],
      inexact: [],
    });
  });

  it('is exact for numbers of at most 15 significant digits, and flattens nested arrays', () => {
    const one = read('[ [0.5, -0, 12, 1e-3], [[1234567.5]], [] ]')!;
    expect(one.exact).toBe(true);
    expect(Array.from(one.values)).toEqual([0.5, -0, 12, 0.001, 1234567.5]);
    expect(Object.is(one.values[1], -0)).toBe(true);
    expect(read('[0.12345679104328156]')!.exact).toBe(false); // 17 digits: right as float32 only
  });

  it('refuses anything JSON.parse refuses, and anything but numbers', () => {
    for (const bad of ['[01]', '[1.]', '[.5]', '[+1]', '[1e]', '[-]', '[1,]', '[,1]', '[1 2]', '[1,,2]', '[NaN]']) {
      expect(() => JSON.parse(bad.replace('NaN', 'x'))).toThrow();
      expect(read(bad), bad).toBeUndefined();
    }
    for (const other of ['["1"]', '[true]', '[null]', '[1', '[[1,2]', '[{"a":1}]'])
      expect(read(other), other).toBeUndefined();
  });
});

const spec = (datatype: string) => ({ name: 'x', datatype, shape: ['batch', 2000], order: 0, description: '' });
const signatureOf = (datatype: string) => ({ inputs: [spec(datatype)], outputs: [] });
const body = (datatype: string, data: string, extra = '') =>
  Buffer.from(`{"id":"r1",${extra}"inputs":[{"name":"x","datatype":"${datatype}","shape":[1,2000],"data":${data}}]}`);
const plain = (bytes: Buffer, datatype: string) =>
  decodeV2Request(parseJsonAllowingNonFinite(bytes.toString('utf8')), Buffer.alloc(0), signatureOf(datatype));
const fast = (bytes: Buffer, datatype: string) =>
  decodeV2Request(parseJsonBody(bytes), Buffer.alloc(0), signatureOf(datatype));

describe('a large V2 JSON request', () => {
  const floats = literals(2000, 7).map((l, i) => (i % 8 === 3 ? '1.5e3' : l)); // no overflow to Infinity here
  const data = `[${floats.join(',')}]`;

  it('decodes to the same tensors as JSON.parse does, for every numeric datatype', () => {
    expect(body('FP32', data).length).toBeGreaterThan(MIN_BODY_BYTES);
    expect(parseWithNumberArrays(body('FP32', data), JSON.parse)).toBeDefined(); // the fast path is taken
    for (const datatype of ['FP32', 'FP64']) {
      const got = fast(body(datatype, data), datatype).inputs[0]!.data as Float32Array;
      const want = plain(body(datatype, data), datatype).inputs[0]!.data as Float32Array;
      expect(got).toEqual(want);
      expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength)).toEqual(
        Buffer.from(want.buffer, want.byteOffset, want.byteLength),
      );
    }
    const ints = `[${Array.from({ length: 2000 }, (_, i) => ((i * 7919) % 100_000) - 50_000).join(', ')}]`;
    for (const datatype of ['INT32', 'INT64', 'FP32']) {
      expect(fast(body(datatype, ints), datatype).inputs[0]!.data).toEqual(
        plain(body(datatype, ints), datatype).inputs[0]!.data,
      );
    }
  });

  it('gives the same errors as JSON.parse and the codec: a syntax error, a wrong count, a bad element', () => {
    const messageOf = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return (err as Error).message;
      }
      return 'no error';
    };
    const broken = body('FP32', `${data.slice(0, -1)},]`);
    expect(messageOf(() => parseJsonBody(broken))).toContain(
      (() => {
        try {
          JSON.parse(broken.toString());
        } catch (e) {
          return (e as Error).message;
        }
      })(),
    );
    const short = body('FP32', `[${floats.slice(1).join(',')}]`);
    expect(messageOf(() => fast(short, 'FP32'))).toBe(messageOf(() => plain(short, 'FP32')));
    expect(messageOf(() => fast(body('INT8', data), 'INT8'))).toBe(messageOf(() => plain(body('INT8', data), 'INT8')));
    expect(messageOf(() => fast(body('BOOL', `[${'1,'.repeat(1999)}0]`.padEnd(20_000)), 'BOOL'))).toBe(
      messageOf(() => plain(body('BOOL', `[${'1,'.repeat(1999)}0]`.padEnd(20_000)), 'BOOL')),
    );
  });

  it('leaves to JSON.parse an array with a bare NaN, and a "data" key that is not an input\'s', () => {
    const withNaN = body('FP32', `[NaN,${floats.slice(1).join(',')}]`);
    expect(Number.isNaN((fast(withNaN, 'FP32').inputs[0]!.data as Float32Array)[0])).toBe(true);
    const decoy = body('FP32', data, `"parameters":{"data":${data}},`);
    expect(parseWithNumberArrays(decoy, JSON.parse)).toBeUndefined();
    expect(fast(decoy, 'FP32').inputs[0]!.data).toEqual(plain(decoy, 'FP32').inputs[0]!.data);
    const inexactFp64 = body('FP64', `[${Array.from({ length: 2000 }, () => '0.12345679104328156').join(',')}]`);
    expect(parseWithNumberArrays(inexactFp64, JSON.parse)).toBeUndefined(); // 17 digits: FP64 takes JSON.parse's
    expect((fast(inexactFp64, 'FP64').inputs[0]!.data as Float64Array)[0]).toBe(0.12345679104328156);
  });
});
