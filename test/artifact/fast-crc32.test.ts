import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nativeCrc32Buf, useNativeCrc32 } from '../../src/artifact/fast-crc32.js';

// The pure-JS implementation archiver uses, captured before the last test below patches the module.
const require = createRequire(import.meta.url);
const jsBuf = (require('crc-32') as { buf: (data: unknown, seed?: unknown) => number }).buf;

describe('native CRC-32 for archiver', () => {
  it('gives the same signed CRC as crc-32 for whole buffers and for chained chunks, as crc32-stream calls it', () => {
    const native = nativeCrc32Buf(jsBuf);
    for (const size of [0, 1, 9, 4096, 100_003]) {
      const data = randomBytes(size);
      expect(native(data)).toBe(jsBuf(data));
      // crc32-stream starts from a Buffer seed, then feeds back the previous result (unsigned).
      let js: unknown = Buffer.alloc(4);
      let nat: unknown = Buffer.alloc(4);
      for (let at = 0; at < size; at += 777) {
        js = jsBuf(data.subarray(at, at + 777), js) >>> 0;
        nat = native(data.subarray(at, at + 777), nat) >>> 0;
      }
      if (size > 0) expect(nat).toBe(js);
    }
  });

  it('leaves arrays of bytes to the JavaScript implementation', () => {
    expect(nativeCrc32Buf(jsBuf)([1, 2, 3])).toBe(jsBuf([1, 2, 3]));
  });

  it('is in use on this Node version (zlib.crc32 exists from Node 20.15)', () => {
    expect(useNativeCrc32()).toBe(true);
  });
});
