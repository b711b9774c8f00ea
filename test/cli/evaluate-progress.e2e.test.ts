// evaluate draws a progress bar on a terminal like enable's (issue 16), through a pseudo-terminal (util-linux
// `script`) as push and pull's bar is tested; none with --quiet or --json, none off a terminal or in CI.
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { DIGITS, writeEnabledDigits } from '../evaluate/enabled-fixture.js';

const CLI = new URL('../../dist/src/cli/main.js', import.meta.url).pathname;
const data = (name: string) => join(DIGITS, 'data', name);
const onTerminal = (args: string[], ci = '') =>
  execa('script', ['-qec', ['node', CLI, ...args].join(' '), '/dev/null'], { env: { CI: ci }, reject: false });

describe('the progress bar of ood evaluate', () => {
  let args: string[];
  beforeAll(async () => {
    args = ['evaluate', await writeEnabledDigits('energy'), '--id', data('calibration.npy')];
    args.push('--ood', data('ood_heldout.npy'), '--ood', data('ood_noise.npy'));
  });

  it('is drawn on a terminal, counting to the total, and cleared', async () => {
    const r = await onTerminal(args);
    expect(r.exitCode, r.stdout).toBe(0);
    const counts = [...r.stdout.matchAll(/\revaluating \[[#.]+\] (\d+)\/(\d+)/g)];
    expect(counts.length).toBeGreaterThan(0);
    expect(counts.at(-1)![1]).toBe(counts.at(-1)![2]);
    expect(r.stdout).toContain('\r\x1b[K');
  });

  it('is not drawn with --quiet or --json, in CI, or off a terminal', async () => {
    for (const [extra, ci] of [
      [['--quiet'], ''],
      [['--json'], ''],
      [[], 'true'],
    ] as const) {
      const r = await onTerminal([...args, ...extra], ci);
      expect(r.exitCode, r.stdout).toBe(0);
      expect(r.stdout).not.toContain('evaluating [');
    }
    const piped = await execa('node', [CLI, ...args], { reject: false });
    expect(piped.exitCode).toBe(0);
    expect(piped.stderr).not.toContain('\r');
  });
});
