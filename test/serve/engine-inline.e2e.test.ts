// `ood serve --isolation inline`: each acceptor runs its one instance on its own HTTP thread, with no hand-over.
// Answers are bitwise-equal to a direct onnxruntime run; a native crash (a real SIGFPE, INT32_MIN / -1 in an integer
// Div) ends only the acceptor that ran it, whose connections are reset, and the primary replaces it, so the server
// keeps answering and says so in /metrics. Without --acceptors, inline runs one acceptor per core.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { makeArtifact, DIGITS, ROOT } from './helpers/artifact.js';
import { serve, until } from './helpers/server.js';
import { getFresh, post, serveCli, type Served } from './helpers/cli-server.js';
import { digitsPixels, expectDirectRunOutputs } from './helpers/digits-direct.js';
import { parsePrometheus, value } from './helpers/prometheus.js';
import { missingPython } from '../helpers/python.js';
import { planInstances } from '../../src/serve/engine/instance-plan.js';
import { INLINE_HELD_MS, INLINE_MAX_DEPTH, inlineDepth } from '../../src/serve/engine/model-engine.js';
import type { Instance } from '../../src/serve/engine/instance.js';

const SLOW_MATMUL = join(ROOT, 'test/serve/fixtures/slow_matmul.onnx');

const INT_DIV = join(ROOT, 'test/serve/fixtures/int_div.onnx');
const INT32_MIN = -(2 ** 31);
const row = (i: number) => ({
  inputs: [{ name: 'image', datatype: 'FP32', shape: [1, 1, 8, 8], data: Array.from(digitsPixels(i)) }],
});
const divide = (a: number, b: number) => ({
  inputs: [
    { name: 'a', datatype: 'INT32', shape: [1, 1], data: [a] },
    { name: 'b', datatype: 'INT32', shape: [1, 1], data: [b] },
  ],
});

const stop = async (s: Served | undefined) => {
  s?.child.kill('SIGTERM');
  return s?.child;
};

describe('the inline plan', () => {
  it('uses the cores for acceptors, one instance of one thread each, and refuses several instances', () => {
    expect(planInstances({ isolation: 'inline' }, 2)).toMatchObject({ acceptors: 2, instances: 1, threads: 1 });
    expect(planInstances({ isolation: 'inline', acceptors: 3, threads: 2 }, 8)).toMatchObject({
      acceptors: 3,
      instances: 1,
      threads: 2,
    });
    expect(() => planInstances({ isolation: 'inline', instances: 2 }, 2)).toThrow(/one instance per acceptor/);
  });
});

describe('how many requests an inline instance holds', () => {
  it('is 1 until a run is timed, then as many as fit the held inference time, between 1 and the cap', () => {
    expect(inlineDepth(0)).toBe(1);
    expect(inlineDepth(Number.NaN)).toBe(1);
    expect(inlineDepth(0.01)).toBe(INLINE_MAX_DEPTH);
    expect(inlineDepth(INLINE_HELD_MS / 10)).toBe(10);
    expect(inlineDepth(INLINE_HELD_MS / 2)).toBe(2);
    expect(inlineDepth(INLINE_HELD_MS)).toBe(1);
    expect(inlineDepth(100)).toBe(1);
  });

  /** The most requests `instance` held at once while `burst` ran, and the turns of the event loop it took. */
  async function mostHeld(instance: Instance, burst: () => Promise<unknown>): Promise<{ held: number; turns: number }> {
    const run = instance.run.bind(instance);
    let held = 0;
    instance.run = (...args) => {
      const answer = run(...args);
      held = Math.max(held, instance.load);
      return answer;
    };
    let turns = 0;
    let counting = true;
    const count = () => {
      turns++;
      if (counting) setImmediate(count);
    };
    setImmediate(count);
    try {
      await burst();
    } finally {
      instance.run = run;
      counting = false;
    }
    return { held, turns };
  }

  // The requests are submitted to the engine in one go, as a turn of the event loop that read many requests does;
  // over HTTP from this same process they would arrive one turn at a time.
  it('hands a fast model many requests at once, and a slow one a request at a time', async () => {
    const digits = await serve(await makeArtifact(DIGITS, { name: 'digits' }), { isolation: 'inline' });
    const slow = await serve(await makeArtifact(SLOW_MATMUL, { name: 'slow_matmul' }), { isolation: 'inline' });
    try {
      const image = (i: number) => [{ name: 'image', datatype: 'FP32', shape: [1, 1, 8, 8], data: digitsPixels(i) }];
      const x = () => [{ name: 'x', datatype: 'FP32', shape: [1, 512], data: new Float32Array(512).fill(1) }];
      const depths: number[] = [];
      for (const [server, inputs, requests] of [
        [digits, image, 32],
        [slow, x, 4],
      ] as const) {
        for (let i = 0; i < 3; i++) await server.engine.predict({ inputs: inputs(i) }); // runs to time
        const depth = inlineDepth(server.engine.scheduler.meanRunMs);
        const { held, turns } = await mostHeld(server.engine.instances[0]!, async () => {
          const answers = await Promise.all(
            Array.from({ length: requests }, (_, i) => server.engine.predict({ inputs: inputs(i) })),
          );
          expect(answers.every((a) => a.outputs.length > 0)).toBe(true);
        });
        // At least what the mean allowed when the burst began (it moves as the burst's runs are timed).
        expect(held).toBeGreaterThanOrEqual(Math.min(requests, depth));
        if (depth === 1) expect(held).toBe(1);
        // The runs handed over together are started together, so they run in the same turn of the event loop
        // (onnxruntime-node runs each in a setImmediate); one after the other, each would take a turn of its own.
        else expect(turns).toBeLessThan(requests / 2);
        depths.push(depth);
      }
      expect(depths[0]).toBeGreaterThan(1); // digits runs in well under a millisecond
      expect(depths[1]).toBe(1); // slow_matmul in tens of milliseconds
    } finally {
      await Promise.all([digits.close(), slow.close()]);
    }
  });
});

describe('inline instances', () => {
  let digits: Served | undefined;
  beforeAll(async () => {
    digits = await serveCli(await makeArtifact(DIGITS, { name: 'digits' }), { args: ['--isolation', 'inline'] });
  });
  afterAll(async () => stop(digits));

  it('run on the acceptors themselves, one per core by default, and answer bitwise-equal to onnxruntime', async () => {
    const ready = digits!.events.find((e) => e.event === 'ready')!;
    expect(ready).toMatchObject({ isolation: 'inline', instances: 1, threads: 1 });
    expect(ready.acceptors).toBe(planInstances({ isolation: 'inline' }).acceptors);
    expect(ready.pids).toHaveLength(ready.acceptors); // no instance process besides the acceptors
    const answers = await Promise.all(
      Array.from({ length: 24 }, (_, i) => post(`${digits!.url}/v2/models/digits/infer`, row(i))),
    );
    await expectDirectRunOutputs(answers.map((answer, i) => ({ row: i, ...answer })));
  });
});

describe.skipIf(missingPython('prometheus_client'))('a native crash on an inline instance', () => {
  let s: Served | undefined;
  beforeAll(async () => {
    s = await serveCli(await makeArtifact(INT_DIV, { name: 'int_div' }), {
      args: ['--isolation', 'inline', '--acceptors', '1'],
    });
  });
  afterAll(async () => stop(s));

  it('ends only its acceptor, which the primary replaces; the server keeps answering', async () => {
    const infer = `${s!.url}/v2/models/int_div/infer`;
    expect((await post(infer, divide(7, 2))).json.outputs[0].data).toEqual([3]);
    const [victim] = s!.pids;
    const crash = await post(infer, divide(INT32_MIN, -1));
    expect(crash.status).toBe(0); // its connection was reset: the process that held it is gone
    await until(() => s!.logs.some((l) => /acceptor 0 died \(killed by SIGFPE\)/.test(l.msg)), 'the death to be seen');
    await until(() => s!.logs.some((l) => l.msg === 'acceptor 0 restarted'), 'the replacement to listen');
    expect(s!.logs.find((l) => l.msg === 'acceptor 0 restarted')!.pid).not.toBe(victim);
    expect(s!.child.exitCode).toBe(null);
    const after = await Promise.all([9, 10, 11].map((a) => post(infer, divide(a, 3))));
    expect(after.map((r) => r.json.outputs[0].data[0])).toEqual([3, 3, 3]);
    const metrics = await parsePrometheus((await getFresh(`${s!.url}/metrics`)).text);
    expect(value(metrics, 'ood_acceptor_restarts_total')).toBe(1);
  });
});
