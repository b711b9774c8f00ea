// `ood prepare --execution-provider cuda` records a provider that ood's engine does not run. serve and verify
// refuse such an artifact with the reason (exit 3) instead of running it on the CPU in silence, refuse
// `--execution-provider cuda` (exit 2), and run it on the CPU when `--execution-provider cpu` says so, warning.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtures } from '../helpers/fixtures.js';

const CLI = new URL('../../dist/src/cli/main.js', import.meta.url).pathname;
let dir: string;
let cuda: string;
const ood = (...args: string[]) =>
  execa('node', [CLI, ...args], { env: { OOD_HOME: join(dir, 'home') }, reject: false, timeout: 120_000 });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ood-provider-'));
  cuda = join(dir, 'cuda.zip');
  const args = ['prepare', fixtures.digits.model, '-o', cuda, '--sample', fixtures.digits.sample];
  const r = await ood(...args, '--execution-provider', 'cuda', '--no-introspect');
  if (r.exitCode !== 0) throw new Error(r.stderr);
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('an artifact prepared for the cuda execution provider', { timeout: 120_000 }, () => {
  it('is refused by serve and verify with the reason and a runnable hint, exit 3', async () => {
    for (const command of ['serve', 'verify']) {
      const r = await ood(command, cuda, '--port', '0');
      expect(r.exitCode, r.stderr).toBe(3);
      expect(r.stderr).toContain(
        `was prepared for the cuda execution provider, but ood ${command} runs models on the CPU only`,
      );
      expect(r.stderr).toContain(
        `Hint: Run it on the CPU anyway with \`ood ${command} ${cuda} --execution-provider cpu\``,
      );
      expect(r.stderr).not.toMatch(/^\s+at /m);
    }
  });

  it('refuses --execution-provider cuda as a usage error', async () => {
    const r = await ood('serve', cuda, '--execution-provider', 'cuda');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('Error: --execution-provider cuda: ood serve runs models on the CPU only');
  });

  it('runs on the CPU with --execution-provider cpu, saying so', async () => {
    const r = await ood('verify', cuda, '--execution-provider', 'cpu');
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stderr).toContain('Warning: runtime.yaml records EXECUTION_PROVIDER cuda; running on the CPU');
  });
});
