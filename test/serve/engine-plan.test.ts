// The acceptors x instances x threads rule (engine/instance-plan.ts, docs/serve.md "Instances and threads") and
// the statistics extension summed over acceptors (model-statistics.ts).
import { describe, expect, it } from 'vitest';
import { planInstances } from '../../src/serve/engine/instance-plan.js';
import { ModelStatistics, mergeModelStats } from '../../src/serve/model-statistics.js';

describe('planInstances', () => {
  it('splits the cores so that acceptors x instances x threads do not oversubscribe them', () => {
    expect(planInstances({}, 2)).toMatchObject({ acceptors: 1, instances: 2, threads: 1 });
    expect(planInstances({ acceptors: 2 }, 2)).toMatchObject({ acceptors: 2, instances: 1, threads: 1 });
    expect(planInstances({ acceptors: 2 }, 8)).toMatchObject({ acceptors: 2, instances: 4, threads: 1 });
    expect(planInstances({ acceptors: 2, instances: 1 }, 8)).toMatchObject({ instances: 1, threads: 4 });
    expect(planInstances({ acceptors: 2, threads: 2 }, 8)).toMatchObject({ instances: 2, threads: 2 });
    expect(planInstances({ acceptors: 4 }, 2)).toMatchObject({ acceptors: 4, instances: 1, threads: 1 });
    expect(planInstances({ instances: 1 }, 4)).toMatchObject({ acceptors: 1, instances: 1, threads: 4 });
  });

  it('refuses a count that is not a positive integer', () => {
    expect(() => planInstances({ acceptors: 0 }, 2)).toThrow(/--acceptors must be an integer from 1 to 256, got 0/);
    expect(() => planInstances({ acceptors: 1.5 }, 2)).toThrow(/--acceptors/);
  });
});

describe('mergeModelStats', () => {
  it('sums counts and durations, keeps the latest inference and joins batch sizes', () => {
    const a = new ModelStatistics();
    a.request({ ok: true, totalMs: 2, rows: 4, decodeMs: 0.5, queueMs: 1, encodeMs: 0.25 });
    a.execution(4, 1, 1.5);
    const b = new ModelStatistics();
    b.request({ ok: true, totalMs: 3, rows: 1, decodeMs: 0.5 });
    b.request({ ok: false, totalMs: 1, rows: 1 });
    b.execution(1, 1, 1);
    b.execution(4, 2, 2);
    const merged = mergeModelStats([a.snapshot('digits', '1'), b.snapshot('digits', '1')]);
    expect(merged.inference_count).toBe(5);
    expect(merged.execution_count).toBe(3);
    expect(merged.inference_stats.success).toEqual({ count: 2, ns: 5_000_000 });
    expect(merged.inference_stats.fail).toEqual({ count: 1, ns: 1_000_000 });
    expect(merged.inference_stats.compute_input).toEqual({ count: 2, ns: 1_000_000 });
    expect(merged.inference_stats.queue).toEqual({ count: 1, ns: 1_000_000 });
    expect(merged.last_inference).toBe(
      Math.max(a.snapshot('d', '1').last_inference, b.snapshot('d', '1').last_inference),
    );
    expect(merged.batch_stats.map((s) => [s.batch_size, s.compute_infer])).toEqual([
      [1, { count: 1, ns: 1_000_000 }],
      [4, { count: 2, ns: 3_500_000 }],
    ]);
  });
});
