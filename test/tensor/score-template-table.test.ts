// templates/score.mjs stays standalone (an artifact imports nothing but Node), so it keeps its own copy of the
// V2 → onnxruntime table. This test holds that copy to src/tensor/datatypes.ts through the template's public
// predict(): every datatype the table runs becomes the table's onnxruntime type in the table's typed array, every
// onnxruntime type comes back under the table's V2 name, and every other datatype is refused.
import { describe, expect, it } from 'vitest';
import { DATA_TYPES } from '../../src/tensor/datatypes.js';

type Feed = { type: string; data: unknown; dims: readonly number[] };
const score = (await import(new URL('../../templates/score.mjs', import.meta.url).href)) as {
  predict: (model: unknown, request: unknown) => Promise<{ outputs: { name: string; datatype: string }[] }>;
};

/** A model object as load() returns it, over a recording Tensor class and a session that echoes chosen outputs. */
function recordingModel(results: Record<string, { type: string; dims: number[]; data: unknown }> = {}) {
  const feeds: Record<string, Feed> = {};
  class Tensor {
    constructor(
      readonly type: string,
      readonly data: unknown,
      readonly dims: readonly number[],
    ) {}
  }
  const session = {
    run: async (f: Record<string, Feed>) => {
      Object.assign(feeds, f);
      return results;
    },
  };
  return { model: { ort: { Tensor }, session, outputNames: Object.keys(results) }, feeds };
}

const runnable = DATA_TYPES.filter((t) => t.v2 && t.ort);

describe('templates/score.mjs agrees with src/tensor/datatypes.ts', () => {
  it.each(runnable.map((t) => [t.v2!, t] as const))('feeds %s as the table says', async (v2, t) => {
    const { model, feeds } = recordingModel();
    const plain = v2 === 'BYTES' ? ['a'] : v2 === 'BOOL' ? [true] : [1];
    await score.predict(model, { inputs: [{ name: 'x', datatype: v2, shape: [1], data: plain }], outputs: [] });
    expect(feeds.x!.type).toBe(t.ort);
    if (t.array) expect(feeds.x!.data).toBeInstanceOf(t.array);
    else expect(feeds.x!.data).toEqual(['a']);
  });

  it.each(runnable.map((t) => [t.ort!, t] as const))(
    'names an onnxruntime %s output as the table does',
    async (ortType, t) => {
      const { model } = recordingModel({ y: { type: ortType, dims: [1], data: [] } });
      const { outputs } = await score.predict(model, { inputs: [] });
      expect(outputs[0]!.datatype).toBe(t.v2);
    },
  );

  it.each(DATA_TYPES.filter((t) => t.v2 && !t.ort).map((t) => t.v2!))(
    'refuses %s, which the table cannot run',
    async (v2) => {
      const { model } = recordingModel();
      await expect(
        score.predict(model, { inputs: [{ name: 'x', datatype: v2, shape: [1], data: [1] }], outputs: [] }),
      ).rejects.toMatchObject({ code: 'BAD_REQUEST_TENSOR' });
    },
  );
});
