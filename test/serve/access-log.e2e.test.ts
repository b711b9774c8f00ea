// The access log as an operator gets it from `ood serve` (the built CLI, a process of its own, its stderr): one
// line per request with the fields issue 12 lists, as JSON objects or as text, and `--log-level` filtering them by
// the rule docs/serve.md states: 2xx lines are info, 4xx warn, 5xx error (src/serve/logger.ts, levelForStatus).
import { afterEach, describe, expect, it } from 'vitest';
import { makeArtifact, DIGITS } from './helpers/artifact.js';
import { serveCli, type Served } from './helpers/cli-server.js';
import { until } from './helpers/server.js';
import { digitsPixels } from './helpers/digits-direct.js';

const ROUTE = '/v2/models/{name}[/versions/{version}]/infer';

// predict() throws when the first pixel is 444: an inference failure, 500 INFERENCE_FAILED.
const FAILING_SCORE = `
import * as real from './real-score.mjs';
export const load = real.load;
export async function predict(model, request) {
  if (request.inputs[0].data[0] === 444) throw new Error('pixel 444 is refused');
  return real.predict(model, request);
}
`;

async function failingArtifact(): Promise<string> {
  const dir = await makeArtifact(DIGITS, { name: 'digits', score: FAILING_SCORE, wrapsTemplate: true });
  return dir;
}

const image = (first?: number) => {
  const data = Array.from(digitsPixels(0));
  if (first !== undefined) data[0] = first;
  return JSON.stringify({ inputs: [{ name: 'image', datatype: 'FP32', shape: [1, 1, 8, 8], data }] });
};

interface Sent {
  id: string;
  status: number;
  bytesIn: number;
  bytesOut: number;
}

/** One request of each outcome, in this order and one at a time: 200, 400 BAD_REQUEST, 500 INFERENCE_FAILED. */
async function sendEach(s: Served, tag: string): Promise<Record<'ok' | 'bad' | 'failed', Sent>> {
  const send = async (id: string, body: string): Promise<Sent> => {
    const res = await fetch(`${s.url}/v2/models/digits/infer`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'x-request-id': id },
    });
    const text = await res.text();
    return { id, status: res.status, bytesIn: Buffer.byteLength(body), bytesOut: Buffer.byteLength(text) };
  };
  const ok = await send(`${tag}-ok`, image());
  const bad = await send(`${tag}-bad`, JSON.stringify({ inputs: [] }));
  const failed = await send(`${tag}-failed`, image(444));
  expect([ok.status, bad.status, failed.status]).toEqual([200, 400, 500]);
  return { ok, bad, failed };
}

/** The key=value pairs of a text line (a value is bare, or a JSON string when it holds a space, quote or `=`). */
function textFields(line: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of line.matchAll(/ (\w+)=("(?:[^"\\]|\\.)*"|\S+)/g))
    fields[m[1]!] = m[2]!.startsWith('"') ? (JSON.parse(m[2]!) as string) : m[2]!;
  return fields;
}

let server: Served | undefined;
afterEach(async () => {
  server?.child.kill('SIGTERM');
  await server?.child;
  server = undefined;
});

const start = async (args: string[], logFormat: 'json' | 'text' = 'json') =>
  (server = await serveCli(await failingArtifact(), { args: ['--instances', '1', ...args], logFormat }));
const requestLine = (s: Served, id: string) => s.logs.find((l) => l.msg === 'request' && l.request_id === id);
const linesFor = (s: Served, id: string) => s.lines.filter((l) => l.includes(id)); // in either format

describe('the access log of ood serve', () => {
  it('writes one JSON line per request with time, id, route, model, status, sizes, queue and inference time, and the code of a 4xx/5xx', async () => {
    const s = await start([]);
    const sent = await sendEach(s, 'json');
    await until(() => requestLine(s, sent.failed.id) !== undefined, "the 500's line");
    for (const [name, r] of Object.entries(sent)) {
      expect(
        s.logs.filter((l) => l.request_id === r.id),
        name,
      ).toHaveLength(1);
      const line = requestLine(s, r.id)!;
      expect(line, name).toMatchObject({
        level: { ok: 'info', bad: 'warn', failed: 'error' }[name],
        msg: 'request',
        method: 'POST',
        route: ROUTE,
        model: 'digits',
        status: r.status,
        bytes_in: r.bytesIn,
        bytes_out: r.bytesOut,
      });
      expect(new Date(line.time).toISOString(), name).toBe(line.time);
      expect(Math.abs(Date.parse(line.time) - Date.now()), name).toBeLessThan(10 * 60_000);
    }
    const ok = requestLine(s, sent.ok.id)!;
    expect(ok.code).toBeUndefined();
    for (const key of ['decode_ms', 'queue_ms', 'inference_ms', 'encode_ms', 'total_ms'])
      expect(ok[key], key).toBeGreaterThanOrEqual(0);
    expect(requestLine(s, sent.bad.id)!.code).toBe('BAD_REQUEST');
    const failed = requestLine(s, sent.failed.id)!;
    expect(failed.code).toBe('INFERENCE_FAILED');
    expect(failed.queue_ms).toBeGreaterThanOrEqual(0); // it reached the model, and waited for it
  });

  it('writes text lines, not JSON, with --log-format text', async () => {
    const s = await start([], 'text');
    const sent = await sendEach(s, 'text');
    await until(() => linesFor(s, sent.failed.id).length > 0, "the 500's line");
    const levels = { ok: 'INFO ', bad: 'WARN ', failed: 'ERROR' } as const;
    for (const [name, r] of Object.entries(sent)) {
      const [line, ...more] = linesFor(s, r.id);
      expect(more, name).toEqual([]);
      expect(() => JSON.parse(line!), name).toThrow();
      const head = /^(\S+) (INFO |WARN |ERROR) request /.exec(line!);
      expect(head?.[2], `${name}: ${line}`).toBe(levels[name as keyof typeof levels]);
      expect(new Date(head![1]!).toISOString()).toBe(head![1]);
      expect(textFields(line!), name).toMatchObject({
        request_id: r.id,
        method: 'POST',
        route: ROUTE,
        model: 'digits',
        status: String(r.status),
        bytes_in: String(r.bytesIn),
        bytes_out: String(r.bytesOut),
      });
    }
    expect(Number(textFields(linesFor(s, sent.ok.id)[0]!).inference_ms)).toBeGreaterThanOrEqual(0);
    expect(textFields(linesFor(s, sent.bad.id)[0]!).code).toBe('BAD_REQUEST');
    expect(textFields(linesFor(s, sent.failed.id)[0]!).code).toBe('INFERENCE_FAILED');
    expect(s.logs).toEqual([]); // not one JSON line on stderr
  });

  it('drops the 2xx lines and keeps the 4xx and 5xx ones with --log-level warn', async () => {
    const s = await start(['--log-level', 'warn']);
    const sent = await sendEach(s, 'warn');
    // Lines go out in the order the answers were written: once the last one's is here, the others' would be too.
    await until(() => requestLine(s, sent.failed.id) !== undefined, "the 500's line");
    expect(requestLine(s, sent.ok.id)).toBeUndefined();
    expect(requestLine(s, sent.bad.id)).toMatchObject({ level: 'warn', status: 400, code: 'BAD_REQUEST' });
    expect(requestLine(s, sent.failed.id)).toMatchObject({ level: 'error', status: 500, code: 'INFERENCE_FAILED' });
    expect(s.logs.filter((l) => l.level === 'info' || l.level === 'debug')).toEqual([]);
  });

  it('keeps only the 5xx lines with --log-level error', async () => {
    const s = await start(['--log-level', 'error']);
    const sent = await sendEach(s, 'error');
    await until(() => requestLine(s, sent.failed.id) !== undefined, "the 500's line");
    expect(requestLine(s, sent.ok.id)).toBeUndefined();
    expect(requestLine(s, sent.bad.id)).toBeUndefined();
    expect(requestLine(s, sent.failed.id)).toMatchObject({ level: 'error', status: 500, code: 'INFERENCE_FAILED' });
  });
});
