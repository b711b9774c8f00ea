// The access log's formats, written out by hand for speed (src/serve/logger.ts), against what they stand for:
// JSON lines equal to JSON.stringify of { time, level, msg, ...fields, ...own }, text lines as the text format
// defines them; and the stderr writer, which holds lines until the event loop turns, loses none at exit.
import { execa } from 'execa';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/serve/logger.js';
import { ROOT } from './helpers/artifact.js';

const VALUES: Record<string, unknown> = {
  plain: 'POST',
  spaced: 'a b',
  quoted: 'say "hi"',
  backslash: 'C:\\dir',
  equals: 'k=v',
  control: 'line\nbreak\ttab\u0001',
  unicode: 'café ☕ 😀',
  lone_surrogate: '\ud800x',
  empty: '',
  int: 200,
  float: 0.1234567891,
  negative_zero: -0,
  nan: Number.NaN,
  infinity: Number.POSITIVE_INFINITY,
  big: 1e21,
  tiny: 5e-7,
  yes: true,
  no: false,
  nothing: null,
  missing: undefined,
  array: [1, 'two', null],
  object: { a: 1, b: 'x y' },
  fn: () => 1,
};

function lines(format: 'json' | 'text', fields: Record<string, unknown> | undefined, own: Record<string, unknown>) {
  const out: string[] = [];
  const log = createLogger({ format, level: 'debug', write: (l) => out.push(l), fields });
  log('info', 'request "x"', own);
  return out;
}

/** The text format as defined: time, level padded to 5, message, then key=value for every defined field. */
function textReference(v: unknown): string {
  if (typeof v === 'number') return String(Math.round(v * 1000) / 1000);
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return /[\s"=]/.test(s) ? JSON.stringify(s) : s;
}

describe('the log line formats', () => {
  it('writes JSON lines equal to JSON.stringify of the same record, for every kind of value', () => {
    const [line] = lines('json', { acceptor: 1 }, VALUES);
    const record = JSON.parse(line!) as Record<string, unknown>;
    const expected = JSON.stringify({ time: record.time, level: 'info', msg: 'request "x"', acceptor: 1, ...VALUES });
    expect(line).toBe(expected);
  });

  it('gives a field of the line precedence over the same base field, in the base field place', () => {
    const [line] = lines('json', { acceptor: 1, role: 'base' }, { role: 'own', status: 200 });
    const record = JSON.parse(line!) as Record<string, unknown>;
    expect(Object.keys(record)).toEqual(['time', 'level', 'msg', 'acceptor', 'role', 'status']);
    expect(record.role).toBe('own');
    const [text] = lines('text', { acceptor: 1, role: 'base' }, { role: 'own', status: 200 });
    expect(text).toMatch(/ INFO {2}request "x" acceptor=1 role=own status=200$/);
  });

  it('writes text lines with every defined field as key=value, quoted only where needed', () => {
    const [line] = lines('text', { acceptor: 0 }, VALUES);
    const time = line!.split(' ')[0]!;
    expect(new Date(time).toISOString()).toBe(time);
    const rest = Object.entries({ acceptor: 0, ...VALUES })
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${textReference(v)}`)
      .join(' ');
    expect(line).toBe(`${time} INFO  request "x" ${rest}`);
  });
});

describe('the stderr writer', () => {
  it('writes every line, in order, including those logged just before process.exit()', async () => {
    const logger = join(ROOT, 'dist/src/serve/logger.js'); // the built module, as the CLI runs it
    const script = `
      const { createLogger } = await import(${JSON.stringify(logger)});
      const log = createLogger({ format: 'text' });
      for (let i = 0; i < 2000; i++) log('info', 'line', { i });
      setImmediate(() => {
        log('warn', 'last', { i: 2000 });
        process.exit(0);
      });
    `;
    const r = await execa(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      reject: false,
    });
    expect(r.exitCode).toBe(0);
    const got = r.stderr.split('\n').map((l) => Number(/ i=(\d+)$/.exec(l)?.[1]));
    expect(got).toEqual(Array.from({ length: 2001 }, (_, i) => i));
  });
});
