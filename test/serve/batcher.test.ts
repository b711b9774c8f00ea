// Dynamic batching on its own: concurrent requests merge into one run, each gets back exactly its rows, and a
// request that breaks a merged run fails alone.
import { describe, expect, it } from 'vitest';
import { DynamicBatcher, canBatch } from '../../src/serve/batcher.js';
import type { NamedTensor } from '../../src/tensor/tensor.js';

const rowsOf = (values: number[][]): NamedTensor => ({
  name: 'x',
  datatype: 'FP32',
  shape: [values.length, 2],
  data: Float32Array.from(values.flat()),
});

/** A real computation (y = 2x, per row) that refuses any batch containing a negative value. */
function doubler(calls: number[]) {
  return async (inputs: NamedTensor[]): Promise<NamedTensor[]> => {
    const x = inputs[0]!;
    calls.push(x.shape[0]!);
    await new Promise((r) => setTimeout(r, 5));
    if (Array.from(x.data as Float32Array).some((v) => v < 0)) throw new Error('negative input');
    return [{ name: 'y', datatype: 'FP32', shape: x.shape, data: (x.data as Float32Array).map((v) => v * 2) }];
  };
}

describe('DynamicBatcher', () => {
  it('merges requests queued while the model is busy and returns each its own rows', async () => {
    const calls: number[] = [];
    const b = new DynamicBatcher(doubler(calls), { maxBatch: 64, maxDelayMs: 0, maxInFlight: 1 });
    const requests = Array.from({ length: 10 }, (_, i) =>
      rowsOf(Array.from({ length: (i % 3) + 1 }, (_, r) => [i, r])),
    );
    const results = await Promise.all(requests.map((r) => b.submit([r])));
    results.forEach((out, i) => {
      expect(out[0]!.shape).toEqual(requests[i]!.shape);
      expect(Array.from(out[0]!.data as Float32Array)).toEqual(
        Array.from(requests[i]!.data as Float32Array).map((v) => v * 2),
      );
    });
    expect(calls[0]).toBe(1); // the first request did not wait
    expect(calls.length).toBeLessThan(10);
    expect(b.runs).toBeGreaterThan(0);
  });

  it('never exceeds maxBatch rows in one run', async () => {
    const calls: number[] = [];
    const b = new DynamicBatcher(doubler(calls), { maxBatch: 4, maxDelayMs: 1, maxInFlight: 1 });
    await Promise.all(Array.from({ length: 12 }, (_, i) => b.submit([rowsOf([[i, 0]])])));
    expect(Math.max(...calls)).toBeLessThanOrEqual(4);
    expect(calls.reduce((a, c) => a + c, 0)).toBe(12);
  });

  it('retries the members of a failed merged run alone, so only the bad request fails', async () => {
    const calls: number[] = [];
    const b = new DynamicBatcher(doubler(calls), { maxBatch: 64, maxDelayMs: 2, maxInFlight: 1 });
    const outcomes = await Promise.allSettled([
      b.submit([rowsOf([[1, 1]])]),
      b.submit([rowsOf([[-1, 1]])]),
      b.submit([rowsOf([[3, 3]])]),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(Array.from((outcomes[2] as PromiseFulfilledResult<NamedTensor[]>).value[0]!.data as Float32Array)).toEqual([
      6, 6,
    ]);
  });

  it('is only used when every input and output has a dynamic batch dimension', () => {
    const t = (shape: (number | string)[]) => ({ name: 't', datatype: 'FP32', shape, order: 0, description: '' });
    expect(canBatch([t(['batch', 3])], [t(['batch', 4])])).toBe(true);
    expect(canBatch([t([-1, 3])], [t([-1])])).toBe(true);
    expect(canBatch([t([1, 3])], [t(['batch', 4])])).toBe(false);
    expect(canBatch([t(['batch', 3])], [t([4])])).toBe(false);
    expect(canBatch([t(['batch', 3])], [t(['seq', 4])])).toBe(false);
  });
});
