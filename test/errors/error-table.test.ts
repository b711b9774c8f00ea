import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, OodError, errorCodeSpec, toOodError, type ErrorCode } from '../../src/errors.js';

const root = join(import.meta.dirname, '..', '..');
const codes = Object.keys(ERROR_CODES).sort() as ErrorCode[];

/** The rows of docs/errors.md's code tables: | `CODE` | exit | HTTP | when |. */
function documentedRows(): Map<string, { exit: number; http: number; when: string }> {
  const rows = new Map<string, { exit: number; http: number; when: string }>();
  for (const line of readFileSync(join(root, 'docs', 'errors.md'), 'utf8').split('\n')) {
    const m = /^\| `([A-Z0-9_]+)` \| (\d+) \| (\d+) \| (.*) \|$/.exec(line);
    if (!m) continue;
    expect(rows.has(m[1]!), `${m[1]} is documented twice`).toBe(false);
    rows.set(m[1]!, { exit: Number(m[2]), http: Number(m[3]), when: m[4]!.trim() });
  }
  return rows;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : /\.(ts|mjs)$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

describe('the error table', () => {
  it('documents every code in docs/errors.md with its exit code and HTTP status', () => {
    const rows = documentedRows();
    const wrong = codes.flatMap((code) => {
      const row = rows.get(code);
      const spec = errorCodeSpec(code);
      if (!row) return [`${code}: no row in docs/errors.md`];
      if (!row.when) return [`${code}: the row says nothing about when it happens`];
      if (row.exit !== spec.exitCode || row.http !== spec.httpStatus)
        return [`${code}: docs say exit ${row.exit} HTTP ${row.http}, the table ${spec.exitCode} ${spec.httpStatus}`];
      return [];
    });
    expect(wrong).toEqual([]);
  });

  it('documents no code that the table lacks', () => {
    const stale = [...documentedRows().keys()].filter((code) => !(code in ERROR_CODES));
    expect(stale).toEqual([]);
  });

  it('lists no code that the source never raises', () => {
    // The table itself names every code as a key, not as a quoted string, so it does not count as a use.
    const src = sourceFiles(join(root, 'src'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const unused = codes.filter((code) => !src.includes(`'${code}'`));
    expect(unused).toEqual([]);
  });

  it('lists every code the model worker threads send back as a string', () => {
    // src/serve/engine/instance-worker.mjs cannot import the table; the engine keeps a code only if it is listed.
    const worker = readFileSync(join(root, 'src', 'serve', 'engine', 'instance-worker.mjs'), 'utf8');
    const sent = [...worker.matchAll(/failure\('([A-Z0-9_]+)'/g)].map((m) => m[1]!);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.filter((code) => !(code in ERROR_CODES))).toEqual([]);
  });

  it('lets the code alone decide kind, exit code and HTTP status', () => {
    const served = new OodError('MODEL_LOAD_FAILED', 'the model failed to load: boom');
    expect(served).toMatchObject({ kind: 'input', exitCode: 3, httpStatus: 503 });
    const enabling = new OodError('ONNXRUNTIME_LOAD_FAILED', 'onnxruntime cannot load the model: boom');
    expect(enabling).toMatchObject({ kind: 'input', exitCode: 3, httpStatus: 400 });
    expect(new OodError('BAD_REFERENCE', 'invalid reference')).toMatchObject({ kind: 'usage', exitCode: 2 });
    expect(new OodError('REGISTRY_DENIED', 'denied')).toMatchObject({ kind: 'remote', exitCode: 5, httpStatus: 502 });
  });

  it('reports anything that is not an OodError as a bug, keeping it as the cause', () => {
    const cause = new TypeError('x is undefined');
    const error = toOodError(cause);
    expect(error).toMatchObject({ code: 'INTERNAL', kind: 'internal', exitCode: 70, httpStatus: 500 });
    expect(error.cause).toBe(cause);
  });
});
