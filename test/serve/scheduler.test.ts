// The scheduler on its own, with fake instances: Triton's dynamic batcher rules (batches form when an instance
// is free, never split a request, never mix shapes, never exceed max_batch), a bad request failing alone, the
// bounded queue (503 with Retry-After) and deadlines (504, dropped from the queue).
import { describe, expect, it } from 'vitest';
import { canBatch } from '../../src/serve/batcher.js';
import { OodError } from '../../src/errors.js';
import { Scheduler, type Runner } from '../../src/serve/engine/scheduler.js';
import type { NamedTensor } from '../../src/artifact/spec.js';

const rowsOf = (values: number[][]): NamedTensor => ({
  name: 'x',
  datatype: 'FP32',
  shape: [values.length, values[0]!.length],
  data: Float32Array.from(values.flat()),
});

/** An instance computing y = 2x per row, taking `ms` per run, refusing any batch with a negative value. */
function doubler(index: number, calls: number[][], ms = 5): Runner & { busy: boolean } {
  const runner = {
    index,
    busy: false,
    ready: true,
    async run(inputs: NamedTensor[]) {
      runner.busy = true;
      const x = inputs[0]!;
      calls.push([index, x.shape[0]!]);
      await new Promise((r) => setTimeout(r, ms));
      runner.busy = false;
      if (Array.from(x.data as Float32Array).some((v) => v < 0)) throw new Error('negative input');
      const y = { name: 'y', datatype: 'FP32', shape: x.shape, data: (x.data as Float32Array).map((v) => v * 2) };
      return { outputs: [y], inferMs: ms };
    },
  };
  return runner;
}

/** The scheduler asks for its instances on every pump: hand it the same ones each time. */
const once = (runners: Runner[]) => () => runners;

const submit = (s: Scheduler, x: NamedTensor, deadline?: number) => s.submit({ inputs: [x], deadline, timings: {} });

describe('Scheduler', () => {
  it('merges requests queued while the instance is busy and returns each its own rows', async () => {
    const calls: number[][] = [];
    const s = new Scheduler(once([doubler(0, calls)]), { maxBatch: 64, maxDelayMs: 0, maxQueue: 100 });
    const requests = Array.from({ length: 10 }, (_, i) =>
      rowsOf(Array.from({ length: (i % 3) + 1 }, (_, r) => [i, r])),
    );
    const results = await Promise.all(requests.map((r) => submit(s, r)));
    results.forEach((out, i) => {
      expect(out[0]!.shape).toEqual(requests[i]!.shape);
      expect(Array.from(out[0]!.data as Float32Array)).toEqual(
        Array.from(requests[i]!.data as Float32Array).map((v) => v * 2),
      );
    });
    expect(calls[0]).toEqual([0, 1]); // the first request did not wait
    expect(calls.length).toBeLessThan(10);
  });

  it('never exceeds maxBatch rows, never splits a request, and never mixes shapes in one run', async () => {
    const calls: number[][] = [];
    const s = new Scheduler(once([doubler(0, calls)]), { maxBatch: 4, maxDelayMs: 1, maxQueue: 100 });
    const wide = rowsOf([[1, 2, 3]]);
    await Promise.all([
      ...Array.from({ length: 12 }, (_, i) => submit(s, rowsOf([[i, 0]]))),
      submit(
        s,
        rowsOf([
          [1, 1],
          [2, 2],
          [3, 3],
        ]),
      ),
      submit(s, wide),
    ]);
    expect(Math.max(...calls.map((c) => c[1]!))).toBeLessThanOrEqual(4);
    expect(calls.reduce((a, c) => a + c[1]!, 0)).toBe(16);
  });

  it('forms batches per free instance, so two instances run side by side', async () => {
    const calls: number[][] = [];
    const runners = [doubler(0, calls, 20), doubler(1, calls, 20)];
    const s = new Scheduler(() => runners, { maxBatch: 0, maxDelayMs: 0, maxQueue: 100 });
    const started = performance.now();
    await Promise.all(Array.from({ length: 4 }, (_, i) => submit(s, rowsOf([[i, i]]))));
    expect(new Set(calls.map((c) => c[0]))).toEqual(new Set([0, 1]));
    expect(calls.filter((c) => c[0] === 0)).toHaveLength(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(39);
  });

  it('retries the members of a failed merged run alone, so only the bad request fails', async () => {
    const calls: number[][] = [];
    // The three must merge into one run: the head waits 50 ms for company, far longer than the three synchronous
    // submits take on a loaded machine (with 2 ms, a pause between them split the batch in a full suite run).
    const s = new Scheduler(once([doubler(0, calls)]), { maxBatch: 64, maxDelayMs: 50, maxQueue: 100 });
    const outcomes = await Promise.allSettled([
      submit(s, rowsOf([[1, 1]])),
      submit(s, rowsOf([[-1, 1]])),
      submit(s, rowsOf([[3, 3]])),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(Array.from((outcomes[2] as PromiseFulfilledResult<NamedTensor[]>).value[0]!.data as Float32Array)).toEqual([
      6, 6,
    ]);
  });

  it('retries the members of a merged run whose instance crashed alone, so only the poisonous request fails', async () => {
    const calls: number[][] = [];
    const runner = doubler(0, calls);
    const run = runner.run.bind(runner);
    runner.run = async (inputs) => {
      const data = inputs[0]!.data as Float32Array;
      if (data.includes(13)) {
        calls.push([0, inputs[0]!.shape[0]!]);
        throw new OodError('INSTANCE_CRASHED', 'the model instance crashed (its process was killed by SIGFPE)');
      }
      return run(inputs);
    };
    const crashes: string[][] = [];
    const s = new Scheduler(
      once([runner]),
      { maxBatch: 64, maxDelayMs: 50, maxQueue: 100 }, // 50 ms: the three merge (see the test above)
      { crash: (_, ids) => crashes.push(ids) },
    );
    const outcomes = await Promise.allSettled(
      [
        [1, 1],
        [13, 1],
        [3, 3],
      ].map((row, i) => s.submit({ inputs: [rowsOf([row])], requestId: `r${i}`, timings: {} })),
    );
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason.code).toBe('INSTANCE_CRASHED');
    expect(calls).toEqual([
      [0, 3],
      [0, 1],
      [0, 1],
      [0, 1],
    ]);
    expect(crashes).toEqual([['r0', 'r1', 'r2'], ['r1']]);
  });

  it('gives the next batch to the least loaded instance, and queues again a batch sent behind a crash', async () => {
    const calls: number[][] = [];
    const fine = doubler(1, calls);
    // Instance 0 holds two batches at once and dies under them: the first fails, the second never ran.
    const held: { reject(e: unknown): void }[] = [];
    let alive = true;
    const dying: Runner = {
      index: 0,
      get ready() {
        return alive;
      },
      get busy() {
        return held.length >= 2;
      },
      get load() {
        return held.length;
      },
      run: () =>
        new Promise((_, reject) => {
          held.push({ reject });
          calls.push([0, 1]);
        }),
    };
    const s = new Scheduler(once([dying, fine]), { maxBatch: 0, maxDelayMs: 0, maxQueue: 100 });
    const first = submit(s, rowsOf([[1, 1]])).catch((e: unknown) => e);
    const second = submit(s, rowsOf([[2, 2]]));
    const third = submit(s, rowsOf([[3, 3]]));
    expect(calls.slice(0, 2)).toEqual([
      [0, 1],
      [1, 1],
    ]); // the second went to the idle instance 1, not behind the first
    await new Promise((r) => setTimeout(r, 1));
    expect(held.length).toBe(2); // the third waits in instance 0
    const [running, waiting] = held.splice(0);
    alive = false; // as Instance.died() does before it fails what it held
    running!.reject(new OodError('INSTANCE_CRASHED', 'the model instance crashed'));
    waiting!.reject(new OodError('INSTANCE_CRASHED', 'died before running it', { details: { requeue: true } }));
    expect(((await first) as OodError).code).toBe('INSTANCE_CRASHED');
    expect(Array.from((await second)[0]!.data as Float32Array)).toEqual([4, 4]);
    expect(Array.from((await third)[0]!.data as Float32Array)).toEqual([6, 6]); // run again, and answered
  });

  it('answers 503 with a Retry-After hint once maxQueue requests wait', async () => {
    const s = new Scheduler(once([doubler(0, [], 30)]), { maxBatch: 0, maxDelayMs: 0, maxQueue: 2 });
    const accepted = [0, 1, 2].map((i) => submit(s, rowsOf([[i, i]]))); // one runs, two wait
    const refused = await submit(s, rowsOf([[9, 9]])).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'QUEUE_FULL', httpStatus: 503 });
    expect((refused as { details: { retryAfterSeconds: number } }).details.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    await Promise.all(accepted);
  });

  it('answers 504 at the deadline and drops the request from the queue', async () => {
    const calls: number[][] = [];
    const s = new Scheduler(once([doubler(0, calls, 50)]), { maxBatch: 0, maxDelayMs: 0, maxQueue: 10 });
    const first = submit(s, rowsOf([[1, 1]]));
    const late = await submit(s, rowsOf([[2, 2]]), performance.now() + 10).catch((e: unknown) => e);
    expect(late).toMatchObject({ code: 'DEADLINE_EXCEEDED', httpStatus: 504 });
    expect(s.depth).toBe(0);
    await first;
    await new Promise((r) => setTimeout(r, 60));
    expect(calls).toHaveLength(1); // the expired request never ran
  });

  it("hands an instance its batch's latest deadline (none if a member has none), and counts no skipped batch", async () => {
    const deadlines: (number | undefined)[] = [];
    const batches: number[] = [];
    const runner: Runner = {
      index: 0,
      busy: false,
      ready: true,
      // As an instance does with a batch whose deadline passed before its turn: not run, reported skipped.
      run: (inputs, _outputs, deadline) => {
        deadlines.push(deadline);
        return new Promise((resolve, reject) =>
          deadline === undefined
            ? resolve({ outputs: inputs, inferMs: 1 })
            : setTimeout(
                () => reject(new OodError('DEADLINE_EXCEEDED', 'skipped', { details: { skipped: true } })),
                Math.ceil(deadline - performance.now()) + 5,
              ),
        );
      },
    };
    const s = new Scheduler(
      once([runner]),
      { maxBatch: 64, maxDelayMs: 5, maxQueue: 10 },
      { batch: (rows) => batches.push(rows) },
    );
    const now = performance.now();
    const expired = await Promise.allSettled([
      submit(s, rowsOf([[1, 1]]), now + 20),
      submit(s, rowsOf([[2, 2]]), now + 30),
    ]);
    expect(expired.map((o) => (o as PromiseRejectedResult).reason?.code)).toEqual([
      'DEADLINE_EXCEEDED',
      'DEADLINE_EXCEEDED',
    ]);
    expect(deadlines).toEqual([now + 30]);
    await new Promise((r) => setTimeout(r, 10)); // the instance's skip arrives after both 504s
    expect(batches).toEqual([]);
    await Promise.all([submit(s, rowsOf([[3, 3]]), now + 1000), submit(s, rowsOf([[4, 4]]))]);
    expect(deadlines[1]).toBeUndefined();
    expect(batches).toEqual([2]);
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
