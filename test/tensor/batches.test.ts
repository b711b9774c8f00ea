// batches(): one loop for calibration, feature collection and evaluate. Batches cross chunk boundaries (every
// batch is full but the last), start afresh where trailing dims change, pad only when asked, and name each
// row after the chunk it came from.
import { describe, expect, it } from 'vitest';
import { batchOptionsFor, batches, type Batch, type RowChunk } from '../../src/tensor/batches.js';
import type { ValueInfo } from '../../src/onnx/decode.js';

/** A chunk of `rows` one-element rows numbered from `first`, named file[row]. */
function chunk(file: string, first: number, rows: number, width = 1): RowChunk {
  const data = Float32Array.from({ length: rows * width }, (_, i) => first + Math.floor(i / width));
  return {
    rows,
    tensors: { x: { datatype: 'FP32', shape: [rows, width], data } },
    sampleName: (r) => `${file}[${r}]`,
  };
}

async function collect(chunks: RowChunk[], size: number, pad = false): Promise<Batch[]> {
  const out: Batch[] = [];
  async function* source() {
    yield* chunks;
  }
  for await (const b of batches(source(), { size, pad })) out.push(b);
  return out;
}

const values = (b: Batch) => Array.from(b.tensors.x!.data as Float32Array);

describe('batches', () => {
  it('cut across chunk boundaries, so that every batch but the last is full', async () => {
    const got = await collect([chunk('a', 0, 5), chunk('b', 5, 2), chunk('c', 7, 4)], 4);
    expect(got.map((b) => b.rows)).toEqual([4, 4, 3]);
    expect(got.map(values)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9, 10],
    ]);
    expect(got[1]!.tensors.x!.shape).toEqual([4, 1]);
  });

  it('name each row after the chunk it came from, across the boundary', async () => {
    const [, second] = await collect([chunk('a', 0, 5), chunk('b', 5, 2), chunk('c', 7, 4)], 4);
    expect([0, 1, 2, 3].map((r) => second!.sampleName(r))).toEqual(['a[4]', 'b[0]', 'b[1]', 'c[0]']);
  });

  it('feed a batch inside one chunk as a view on the chunk, without a copy', async () => {
    const a = chunk('a', 0, 8);
    const [first] = await collect([a], 4);
    expect((first!.tensors.x!.data as Float32Array).buffer).toBe((a.tensors.x!.data as Float32Array).buffer);
  });

  it('start a new batch where the rows have other trailing dims', async () => {
    const got = await collect([chunk('a', 0, 3, 1), chunk('b', 3, 3, 2)], 4);
    expect(got.map((b) => [b.rows, ...b.tensors.x!.shape])).toEqual([
      [3, 3, 1],
      [3, 3, 2],
    ]);
  });

  it('pad a short last batch by repeating its final row only when asked', async () => {
    const padded = await collect([chunk('a', 0, 3), chunk('b', 3, 2)], 4, true);
    expect(padded.map((b) => b.rows)).toEqual([4, 1]);
    expect(values(padded[1]!)).toEqual([4, 4, 4, 4]);
    const unpadded = await collect([chunk('a', 0, 3), chunk('b', 3, 2)], 4);
    expect(values(unpadded[1]!)).toEqual([4]);
  });

  it('skip empty chunks and yield nothing for no rows', async () => {
    expect(await collect([], 4)).toEqual([]);
    const got = await collect([chunk('a', 0, 0), chunk('b', 0, 2), chunk('c', 0, 0)], 4);
    expect(got.map((b) => b.rows)).toEqual([2]);
  });

  it('refuse a batch size that is not a positive integer', async () => {
    await expect(collect([chunk('a', 0, 2)], 0)).rejects.toThrow(RangeError);
  });
});

describe('batchOptionsFor', () => {
  const input = (shape: (number | string | null)[] | null): ValueInfo =>
    ({ name: 'x', type: { kind: 'tensor', elemType: 1, shape } }) as unknown as ValueInfo;

  it('takes the requested size, unpadded, for a dynamic batch dimension', () => {
    expect(batchOptionsFor([input(['N', 3])], 32)).toEqual({ size: 32, pad: false });
    expect(batchOptionsFor([input(null)], 32)).toEqual({ size: 32, pad: false });
  });

  it("takes a model's fixed batch dimension over the requested size, and pads to it", () => {
    expect(batchOptionsFor([input(['N', 3]), input([8, 3])], 32)).toEqual({ size: 8, pad: true });
    expect(batchOptionsFor([input([32, 3])], 32)).toEqual({ size: 32, pad: true });
  });
});
