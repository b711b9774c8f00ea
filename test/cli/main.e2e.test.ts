// The CLI root through the built binary: version, usage errors and help that users reach for first.
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtures, repoRoot } from '../helpers/fixtures.js';

const bin = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
const ood = (...args: string[]) => execa('node', [bin, ...args], { reject: false });
const COMMANDS = [
  'enable',
  'prepare',
  'introspect',
  'inspect',
  'rm',
  'evaluate',
  'serve',
  'verify',
  'push',
  'pull',
  'ls',
];

describe('the ood command line', () => {
  it('prints the package version with --version', async () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    const r = await ood('--version');
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('rejects an unknown command with the usage exit code and an Error line', async () => {
    const r = await ood('frobnicate');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^Error: /m);
  });

  it('treats --version after a command as a usage error instead of printing the version and doing nothing', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'ood-cli-')), 'x.zip');
    const r = await ood('prepare', fixtures.digits.model, '-o', out, '--version', '1.0');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('version');
    expect(existsSync(out)).toBe(false);
  });

  it.each(COMMANDS)('documents %s with --help, including an example', async (command) => {
    const r = await ood(command, '--help');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`ood ${command}`);
    expect(r.stdout).toMatch(/Examples:/);
  });

  it('lists every command in the top-level help', async () => {
    const r = await ood('--help');
    expect(r.exitCode).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`ood ${c}\\b`));
  });
});
