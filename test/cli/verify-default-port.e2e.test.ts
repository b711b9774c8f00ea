// `ood verify` serves on a free port unless told otherwise (issue 16: it defaulted to 8080, which collides with
// any server already there); the port it used is in the report.
import { join } from 'node:path';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import { repoRoot } from '../helpers/fixtures.js';

const CLI = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

it('ood verify without --port picks a free port, not 8080', async () => {
  const zip = join(repoRoot, 'test', 'fixtures', 'broken', 'good.zip');
  const r = await execa('node', [CLI, 'verify', zip, '--json'], { reject: false, timeout: 120_000 });
  expect(r.exitCode, r.stderr).toBe(0);
  const port = Number(new URL((JSON.parse(r.stdout) as { url: string }).url).port);
  expect(port).toBeGreaterThan(0);
  expect(port).not.toBe(8080);
});
