// docs/enable.md is where users look up `ood enable`: it must name every option the command takes and every
// scoring method it offers, so a new flag or method cannot ship undocumented.
import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FEATURE_METHODS, METHODS } from '../../src/certainty/methods/index.js';
import { repoRoot } from '../helpers/fixtures.js';

const GLOBAL_FLAGS = new Set(['help', 'verbose', 'version', 'quiet']);
const doc = readFileSync(join(repoRoot, 'docs', 'enable.md'), 'utf8');

/** The section of the doc under `## title`, up to the next `## `. */
function section(title: string): string {
  const start = doc.indexOf(`\n## ${title}\n`);
  expect(start, `docs/enable.md has a "## ${title}" section`).toBeGreaterThanOrEqual(0);
  const end = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
}

describe('docs/enable.md', () => {
  it('lists every option that `ood enable --help` shows', async () => {
    const help = await execa('node', [join(repoRoot, 'dist', 'src', 'cli', 'main.js'), 'enable', '--help']);
    const flags = [...help.stdout.matchAll(/^\s+(?:-\w, )?--([a-z][a-z-]*)\s/gm)].map((m) => m[1]!);
    expect(flags.length).toBeGreaterThan(10);
    const options = doc.slice(0, doc.indexOf('\n## '));
    const missing = flags.filter((f) => !GLOBAL_FLAGS.has(f) && !options.includes(`--${f}`));
    expect(missing).toEqual([]);
  });

  it('describes every scoring method in its Methods table', () => {
    const methods = section('Methods');
    const names = [...METHODS, ...FEATURE_METHODS].map((m) => m.name);
    expect(names.filter((name) => !methods.includes(`| \`${name}\``))).toEqual([]);
  });
});
