// `ood export triton` through the built binary: what a user types, exit codes and messages.
import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtures, repoRoot } from '../helpers/fixtures.js';

const bin = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
const ood = (...args: string[]) => execa('node', [bin, ...args], { reject: false });

describe('ood export triton (CLI)', () => {
  it('writes DIR/NAME/N/model.onnx and prints the model directory', async () => {
    const repo = join(mkdtempSync(join(tmpdir(), 'ood-export-cli-')), 'repo');
    const r = await ood('export', 'triton', fixtures.digits.model, '-o', repo, '--name', 'digits', '--version', '2');
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe(join(repo, 'digits'));
    expect(readFileSync(join(repo, 'digits', '2', 'model.onnx'))).toEqual(readFileSync(fixtures.digits.model));
    expect(readFileSync(join(repo, 'digits', 'config.pbtxt'), 'utf8')).toMatch(
      /^name: "digits"\nplatform: "onnxruntime_onnx"\n/,
    );
    const again = await ood('export', 'triton', fixtures.digits.model, '-o', repo, '--name', 'digits');
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toMatch(/^Error: output already exists: .*\nHint: .*--force/m);
  });

  it('exits 2 with a hint for a name Triton cannot use, and writes nothing', async () => {
    const repo = join(mkdtempSync(join(tmpdir(), 'ood-export-cli-')), 'repo');
    const r = await ood('export', 'triton', fixtures.digits.model, '-o', repo, '--name', '../up');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^Error: "..\/up" cannot be a Triton model name\nHint: Pass --name/m);
    expect(existsSync(repo)).toBe(false);
  });

  it('exits 3 naming the missing file', async () => {
    const r = await ood('export', 'triton', '/nonexistent/model.onnx', '-o', '/tmp/never');
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain('/nonexistent/model.onnx');
  });
});
