// Tables that fit the terminal: the wrappable columns narrow and wrap at words, the others stay whole and aligned;
// without a width (a pipe with no $COLUMNS) every row stays on one line.
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { formatTable, wrapText } from '../../src/cli/text-table.js';
import { repoRoot } from '../helpers/fixtures.js';

const ROWS = [
  ['integrity.digest', 'ok', 'every file listed in the manifest has the digest the manifest records for it'],
  ['schema.input', 'FAILED', 'input image has shape [batch, 1, 8, 8] but sample.json sends [4, 64]'],
];

describe('formatTable', () => {
  it('keeps one line per row when no width is given and $COLUMNS is unset', () => {
    const text = formatTable(['key', 'result', 'message'], ROWS, { width: undefined });
    expect(text.split('\n')).toHaveLength(4);
  });

  it('wraps the last column at word boundaries to fit 60 characters, keeping the other columns aligned', () => {
    const text = formatTable(['key', 'result', 'message'], ROWS, { width: 60 });
    const lines = text.split('\n');
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(60);
    // The message column starts where the header says, on every line, continuation lines included.
    const start = lines[0]!.indexOf('message');
    expect(start).toBe('integrity.digest'.length + 2 + 'result'.length + 2);
    for (const l of lines.slice(2)) expect(l.slice(start - 2, start)).toBe('  ');
    // Nothing is lost: the wrapped words read back as the original message.
    const first = lines.slice(
      2,
      lines.findIndex((l) => l.startsWith('schema.input')),
    );
    expect(first.map((l) => l.slice(start)).join(' ')).toBe(ROWS[0]![2]);
  });

  it('leaves columns that may not wrap whole even when the table cannot fit', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const text = formatTable(['TAG', 'DIGEST'], [['1.0', digest]], { width: 40, wrap: [0] });
    expect(text).toContain(digest);
  });

  it('cuts a word longer than the column', () => {
    expect(wrapText('abcdefghij klm', 4)).toEqual(['abcd', 'efgh', 'ij', 'klm']);
  });
});

describe('ood introspect on a narrow terminal', () => {
  it('fits its table into $COLUMNS=100', async () => {
    const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
    const zip = join(repoRoot, 'test', 'fixtures', 'broken', 'good.zip');
    const r = await execa('node', [cli, 'introspect', zip], { env: { COLUMNS: '100' }, reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    const table = lines.slice(
      lines.findIndex((l) => l.startsWith('key')),
      lines.findIndex((l) => l.startsWith('OK:')),
    );
    expect(table.length).toBeGreaterThan(10);
    for (const l of table) expect(l.length, l).toBeLessThanOrEqual(100);
  });
});
