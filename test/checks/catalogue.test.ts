import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CATALOGUE } from '../../src/checks/catalogue.js';
import { repoRoot } from '../helpers/fixtures.js';

describe('the check catalogue', () => {
  it('has unique keys, each prefixed by its category', () => {
    const keys = CATALOGUE.map((c) => c.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const c of CATALOGUE) expect(c.key.startsWith(`${c.category}.`), c.key).toBe(true);
  });

  it('gives every check a failure message and a hint', () => {
    for (const c of CATALOGUE) {
      expect(c.failure.length, c.key).toBeGreaterThan(10);
      expect(c.hint.length, c.key).toBeGreaterThan(10);
    }
  });

  it('writes each hint as sentences: no sentence starts after a semicolon, each ends with a full stop', () => {
    for (const c of CATALOGUE) {
      expect(c.hint, c.key).not.toMatch(/; [A-Z]/);
      expect(c.hint, c.key).toMatch(/[.?]$/);
    }
  });

  it.each([['docs', 'introspect.md'], ['README.md']])(
    'is listed in %s exactly as declared (key, category, description)',
    async (...path) => {
      const doc = await readFile(join(repoRoot, ...path), 'utf8');
      for (const c of CATALOGUE) {
        expect(doc, c.key).toContain(`| \`${c.key}\` | ${c.category} | ${c.description} |`);
      }
    },
  );
});
