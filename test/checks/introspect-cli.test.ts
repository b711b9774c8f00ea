import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { Ajv } from 'ajv';
import { CATALOGUE } from '../../src/checks/catalogue.js';
import { fixtures, repoRoot } from '../helpers/fixtures.js';

// The built CLI, end to end: exit 0 when nothing FAILED, 4 when a check FAILED, 3 when the input is unreadable.
const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
const broken = (f: string) => join(repoRoot, 'test', 'fixtures', 'broken', f);
const ood = (...args: string[]) => execa('node', [cli, ...args], { reject: false });
const validateReport = new Ajv({ allErrors: true }).compile(
  JSON.parse(await readFile(join(repoRoot, 'schemas', 'introspect-report.schema.json'), 'utf8')) as object,
);

describe('ood introspect (built CLI)', () => {
  it('prints the check table and exits 0 for a good artifact', async () => {
    const r = await ood('introspect', broken('good.zip'));
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^key\s+description\s+result\s+message$/m);
    for (const { key } of CATALOGUE)
      expect(r.stdout).toMatch(new RegExp(`^${key.replace('.', '\\.')}\\s.*PASSED`, 'm'));
    expect(r.stdout).toContain(`OK: ${CATALOGUE.length} passed, 0 failed`);
  });

  it('exits 4 when a check fails, and shows the failure with its hint', async () => {
    const r = await ood('introspect', broken('tampered-file.zip'));
    expect(r.exitCode).toBe(4);
    expect(r.stdout).toMatch(/^integrity\.hashes\s.*FAILED\s+files differ from the manifest/m);
    expect(r.stdout).toContain('Hint (integrity.hashes):');
  });

  it('exits 0 on a WARNING alone', async () => {
    const r = await ood('introspect', broken('provenance-dirty.zip'));
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^provenance\.clean\s.*WARNING/m);
  });

  it('warns, and exits 0, for an artifact prepared outside a git repository', async () => {
    const r = await ood('introspect', broken('provenance-no-commit.zip'));
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^provenance\.commit\s.*WARNING\s+GIT_COMMIT is not recorded \(not a git repository\)/m);
  });

  it('fails a missing commit with --require-provenance or OOD_REQUIRE_PROVENANCE=1, and not with =0', async () => {
    const flag = await ood('introspect', broken('provenance-no-commit.zip'), '--require-provenance');
    expect(flag.exitCode).toBe(4);
    expect(flag.stdout).toMatch(/^provenance\.commit\s.*FAILED/m);
    const env = (value: string) =>
      execa('node', [cli, 'introspect', broken('provenance-no-commit.zip')], {
        reject: false,
        env: { OOD_REQUIRE_PROVENANCE: value },
      });
    expect((await env('1')).exitCode).toBe(4);
    expect((await env('0')).exitCode).toBe(0);
    const bad = await env('maybe');
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('OOD_REQUIRE_PROVENANCE must be 1 or 0');
  });

  it('fails a dirty tree with --require-provenance, and keeps it a WARNING without', async () => {
    const r = await ood('introspect', broken('provenance-dirty.zip'), '--require-provenance');
    expect(r.exitCode).toBe(4);
    expect(r.stdout).toMatch(/^provenance\.clean\s.*FAILED\s+--require-provenance wants a clean working tree/m);
  });

  it('prints a JSON report that validates against its schema with --json', async () => {
    const r = await ood('introspect', broken('symlink.zip'), '--json');
    expect(r.exitCode).toBe(4);
    const report = JSON.parse(r.stdout) as { ok: boolean; checks: { key: string; result: string }[] };
    expect(validateReport(report), JSON.stringify(validateReport.errors)).toBe(true);
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => c.key === 'archive.links')?.result).toBe('FAILED');
  });

  it('exits 3 with Error and Hint when the artifact does not exist', async () => {
    const r = await ood('introspect', join(repoRoot, 'no-such-artifact.zip'));
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain('Error: artifact not found');
    expect(r.stderr).toContain('Hint:');
    expect(r.stdout).toBe('');
  });

  it('exits 3 when the file is not a zip at all (an .onnx passed by mistake), saying it is a model', async () => {
    const r = await ood('introspect', fixtures.digits.model);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/Error: .* is an ONNX model, not an artifact/);
  });

  it('exits 3 for a file that is neither a zip nor a model', async () => {
    const r = await ood('introspect', join(repoRoot, 'package.json'));
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/Error: .* is not a readable zip archive/);
  });

  it('documents itself with an example in --help', async () => {
    const r = await ood('introspect', '--help');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('--json');
  });
});
