// "1 warnings" (issue 16, small things): counted nouns go through plural(), and the CLI's own summaries use it.
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { formatBytes, plural } from '../../src/cli/wording.js';
import { repoRoot } from '../helpers/fixtures.js';

const CLI = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

describe('wording', () => {
  it('counts nouns in English', () => {
    expect(plural(0, 'warning')).toBe('0 warnings');
    expect(plural(1, 'warning')).toBe('1 warning');
    expect(plural(2, 'blob')).toBe('2 blobs');
    expect(plural(1, 'entry', 'entries')).toBe('1 entry');
    expect(plural(3, 'entry', 'entries')).toBe('3 entries');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(12.3 * 1024)).toBe('12.3 KiB');
  });

  it("introspect's summary says 1 warning, not 1 warnings", async () => {
    const zip = join(repoRoot, 'test', 'fixtures', 'broken', 'provenance-no-commit.zip');
    const r = await execa('node', [CLI, 'introspect', zip], { reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^OK: \d+ passed, 0 failed, 1 warning, \d+ skipped$/m);
  });
});
