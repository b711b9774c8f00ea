// A native addon the dynamic loader cannot load (onnxruntime-node on a minimal image without librt) is an input
// error of the machine, naming the library, not "a bug in ood" (exit 70).
import { describe, expect, it } from 'vitest';
import { EXIT_CODES, toOodError } from '../../src/errors.js';

describe('a native library that cannot be loaded', () => {
  it('becomes NATIVE_LIBRARY_MISSING (exit 3) naming the missing library, from Node or across a worker', () => {
    const message = 'librt.so.1: cannot open shared object file: No such file or directory';
    const fromNode = Object.assign(new Error(message), { code: 'ERR_DLOPEN_FAILED' });
    for (const err of [fromNode, new Error(message)]) {
      const e = toOodError(err);
      expect(e).toMatchObject({ code: 'NATIVE_LIBRARY_MISSING', exitCode: EXIT_CODES.input, httpStatus: 500 });
      expect(e.message).toBe(`onnxruntime-node's native library cannot be loaded: ${message}`);
      expect(e.hint).toContain('This system lacks librt.so.1');
    }
  });

  it('leaves other unexpected errors internal', () => {
    expect(toOodError(new Error('boom'))).toMatchObject({ code: 'INTERNAL', exitCode: EXIT_CODES.internal });
  });
});
