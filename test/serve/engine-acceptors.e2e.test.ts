// `ood serve --acceptors 2` over real sockets: two acceptor processes accept on one port, each with its own
// instances. Requests spread over both and come back bitwise-equal to a direct onnxruntime run; /metrics (read by
// the Prometheus parser) and the statistics extension count every request whichever acceptor answered; /health
// is ready only once every acceptor is; SIGTERM under load answers every accepted request on both and exits 0;
// an acceptor killed with SIGKILL loses only its own requests and is replaced.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeArtifact, DIGITS } from './helpers/artifact.js';
import { until } from './helpers/server.js';
import { getFresh, post, serveCli, type Answer, type Served } from './helpers/cli-server.js';
import { digitsPixels, expectDirectRunOutputs } from './helpers/digits-direct.js';
import { parsePrometheus, value } from './helpers/prometheus.js';
import { missingPython } from '../helpers/python.js';

const INFER_ROUTE = '/v2/models/{name}[/versions/{version}]/infer';
const GATES = await mkdtemp(join(tmpdir(), 'ood-acceptor-gates-'));
const open = (gate: string) => writeFile(join(GATES, gate), '');

// predict() holds its instance until the file gate-<second pixel> exists when the first pixel is 666; load()
// waits for the file load-<acceptor> when that file's name is in LOAD_GATES (the acceptor's index is in the
// environment every acceptor's instances inherit).
const GATED_SCORE = `
import { existsSync } from 'node:fs';
import * as real from './real-score.mjs';
const gates = ${JSON.stringify(GATES)};
export async function load(dir, options) {
  const index = JSON.parse(process.env.OOD_ACCEPTOR_CONFIG ?? '{}').index;
  if ((process.env.LOAD_GATES ?? '').split(',').includes('load-' + index))
    while (!existsSync(gates + '/load-' + index)) await new Promise((r) => setTimeout(r, 20));
  return real.load(dir, options);
}
export async function predict(model, request) {
  const [first, gate] = request.inputs[0].data;
  if (first === 666) {
    const end = Date.now() + 30000;
    while (Date.now() < end && !existsSync(gates + '/gate-' + gate));
  }
  return real.predict(model, request);
}
`;

const row = (i: number, first?: number, gate = 0) => {
  const data = Array.from(digitsPixels(i));
  if (first !== undefined) [data[0], data[1]] = [first, gate];
  return { inputs: [{ name: 'image', datatype: 'FP32', shape: [1, 1, 8, 8], data }] };
};

async function gatedArtifact(): Promise<string> {
  const dir = await makeArtifact(DIGITS, { name: 'digits', score: GATED_SCORE, wrapsTemplate: true });
  return dir;
}

/** Scrape /metrics until the whole server holds at least `n` requests (this scrape included). */
async function untilInFlight(s: Served, n: number): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    const text = (await getFresh(`${s.url}/metrics`)).text;
    if (Number(/^ood_requests_in_flight (\d+)$/m.exec(text)?.[1]) >= n) return;
  }
  throw new Error(`the server never held ${n} requests at once`);
}

/** The whole server's /metrics, as the Prometheus parser reads it. */
async function metricsOf(s: Served) {
  const res = await getFresh(`${s.url}/metrics`);
  expect(res.status).toBe(200);
  return parsePrometheus(res.text);
}

/** Send rounds of `size` concurrent requests until both acceptors answered some (at most `rounds`). */
async function untilBothAnswer(s: Served, size: number, rounds = 20): Promise<{ i: number; a: Answer }[]> {
  const answers: { i: number; a: Answer }[] = [];
  for (let round = 0; round < rounds; round++) {
    const batch = Array.from({ length: size }, (_, k) => (round * size + k) % 200);
    answers.push(...(await Promise.all(batch.map(async (i) => ({ i, a: await post(infer(s), row(i)) })))));
    await until(() => answers.every(({ a }) => a.id && s.acceptorOf(a.id) !== undefined), 'the access-log lines');
    const by = new Set(answers.map(({ a }) => s.acceptorOf(a.id!)));
    if (by.has(0) && by.has(1)) return answers;
  }
  throw new Error(
    `after ${rounds} rounds only acceptor(s) ${[...new Set(answers.map(({ a }) => s.acceptorOf(a.id!)))]} answered`,
  );
}

const infer = (s: Served) => `${s.url}/v2/models/digits/infer`;

describe.skipIf(missingPython('prometheus_client'))('two acceptors', () => {
  let s: Served;
  beforeAll(async () => {
    s = await serveCli(await gatedArtifact());
  });
  afterAll(async () => {
    s?.child.kill('SIGTERM');
    await s?.child;
  });

  it('spread concurrent requests over both, bitwise-equal to onnxruntime, and count them all in /metrics and /stats', async () => {
    const answers = await untilBothAnswer(s, 16);
    await expectDirectRunOutputs(answers.map(({ i, a }) => ({ row: i, ...a })));
    const samples = await metricsOf(s);
    expect(value(samples, 'ood_requests_total', { route: INFER_ROUTE, status: '200' })).toBe(answers.length);
    expect(value(samples, 'ood_request_duration_seconds_count', { route: INFER_ROUTE })).toBe(answers.length);
    expect(value(samples, 'ood_batch_size_count')).toBe(answers.length);
    expect(value(samples, 'ood_acceptors')).toBe(2);
    expect(value(samples, 'ood_requests_in_flight')).toBe(1); // the scrape itself
    const stats = JSON.parse((await getFresh(`${s.url}/v2/models/digits/stats`)).text).model_stats[0];
    expect(stats.inference_count).toBe(answers.length);
    expect(stats.execution_count).toBe(answers.length);
    expect(stats.inference_stats.success.count).toBe(answers.length);
    expect(stats.batch_stats).toEqual([expect.objectContaining({ batch_size: 1 })]);
    expect(stats.batch_stats[0].compute_infer.count).toBe(answers.length);
  });

  it('survive kill -9 of one acceptor: only its requests fail, and a replacement takes its place', async () => {
    const [victim] = s.pids;
    const held = Array.from({ length: 12 }, () => post(infer(s), row(3, 666, 7)));
    await untilInFlight(s, 13); // 12 held, and the scrape
    process.kill(victim!, 'SIGKILL');
    await until(() => s.logs.some((l) => /acceptor 0 died \(killed by SIGKILL\)/.test(l.msg)), 'the death to be seen');
    await open('gate-7');
    const answers = await Promise.all(held);
    await until(() => answers.every((a) => !a.id || s.acceptorOf(a.id) !== undefined), 'the access-log lines');
    for (const a of answers) {
      if (a.status === 0) continue; // a connection of the killed acceptor: reset, never an HTTP error
      expect(a.status).toBe(200);
      expect(s.acceptorOf(a.id!)).toBe(1);
    }
    expect(answers.every((a) => a.status === 200 || a.error)).toBe(true);
    await until(() => s.logs.some((l) => l.msg === 'acceptor 0 restarted'), 'the replacement to listen');
    const replacement = s.logs.find((l) => l.msg === 'acceptor 0 restarted')!.pid;
    expect(replacement).not.toBe(victim);
    const after = await untilBothAnswer(s, 8);
    expect(after.every(({ a }) => a.status === 200)).toBe(true);
    expect(value(await metricsOf(s), 'ood_acceptor_restarts_total')).toBe(1);
  });
});

describe('readiness across acceptors', () => {
  it('answers /health 503 on every acceptor until the last one has loaded', async () => {
    const s = await serveCli(await gatedArtifact(), { ready: false, env: { LOAD_GATES: 'load-1' } });
    try {
      await until(() => s.logs.some((l) => l.acceptor === 0 && /model "digits" ready/.test(l.msg)), 'acceptor 0');
      const health = await Promise.all(Array.from({ length: 12 }, () => getFresh(`${s.url}/health`)));
      expect(health.map((h) => h.status)).toEqual(health.map(() => 503));
      expect(s.events.some((e) => e.event === 'ready')).toBe(false);
      await open('load-1');
      await until(() => s.events.some((e) => e.event === 'ready'), 'the whole server to be ready');
      // Each acceptor hears of it from the primary: soon after the 'ready' line, not necessarily before.
      let after: number[] = [];
      for (let i = 0; i < 200 && !(after.length > 0 && after.every((h) => h === 200)); i++)
        after = (await Promise.all(Array.from({ length: 12 }, () => getFresh(`${s.url}/health`)))).map((h) => h.status);
      expect(after).toEqual(after.map(() => 200));
    } finally {
      s.child.kill('SIGTERM');
      await s.child;
    }
  });
});

describe('a graceful stop of every acceptor', () => {
  it('answers every request accepted before SIGTERM on both acceptors, then exits 0 and removes its files', async () => {
    const s = await serveCli(await gatedArtifact());
    const held = Array.from({ length: 16 }, (_, i) => post(infer(s), row(i, 666, 9)));
    await untilInFlight(s, 17); // 16 held, and the scrape
    const primary = s.child.pid!;
    s.child.kill('SIGTERM');
    await until(() => s.events.some((e) => e.event === 'stopping'), 'the stop to begin');
    await open('gate-9');
    const answers = await Promise.all(held);
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    await until(() => answers.every((a) => s.acceptorOf(a.id!) !== undefined), 'the access-log lines');
    const result = await s.child;
    expect(result.exitCode).toBe(0);
    expect(s.events.at(-1)).toEqual({ event: 'stopped' });
    expect(new Set(answers.map((a) => s.acceptorOf(a.id!)))).toEqual(new Set([0, 1]));
    expect(readdirSync(tmpdir()).filter((n) => n.startsWith(`ood-serve-${primary}-`))).toEqual([]);
    expect(s.pids.filter((pid) => existsSync(`/proc/${pid}`))).toEqual([]);
  });
});
