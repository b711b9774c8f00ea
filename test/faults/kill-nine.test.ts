// Issue 18's fault suite, small: kill -9 prepare, enable, pull and a local push at seeded random points; no
// output is ever partial, the local store stays consistent, and the next run sweeps every temporary the kills
// left. `node bench/fault-suite.mjs --kills 25` runs the same suite at full size (figures in docs/reliability.md).
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ESM module of the benchmarks, shared with bench/fault-suite.mjs's command line.
import { runFaultSuite } from '../../bench/fault-suite.mjs';

interface Row {
  command: string;
  tried: number;
  clean: number;
  lost: number;
  leftAfterSweep: number;
  problems: string[];
}

describe('kill -9 at random points', () => {
  it('never leaves a partial output or an inconsistent store, and the next run sweeps the leftovers', async () => {
    const { rows } = (await runFaultSuite({ kills: 3, seed: 7, sizeMb: 24 })) as { rows: Row[] };
    expect(rows.map((r) => r.command)).toEqual(['prepare', 'enable', 'pull', 'push']);
    for (const row of rows) {
      expect(row.problems, row.command).toEqual([]);
      expect(row).toMatchObject({ tried: 3, clean: 3, lost: 0, leftAfterSweep: 0 });
    }
  }, 240_000);
});
