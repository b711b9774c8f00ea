// The serving engine over real sockets with real models: instances in worker threads, the main thread answering
// while they are busy, crashes contained and restarted, deadlines, the bounded queue and a drain under load.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeArtifact, DIGITS, ROOT } from './helpers/artifact.js';
import { get, postJson, serve, until, type TestServer } from './helpers/server.js';
import { digitsPixels, expectDirectRunOutputs } from './helpers/digits-direct.js';

// Gates the slow model waits on: a request whose first pixel is 666 holds its instance until the file
// gate-<second pixel> exists here (at most 30 s), so a test decides when it ends, whatever the machine's load.
const GATES = await mkdtemp(join(tmpdir(), 'ood-engine-gates-'));
const release = (gate: number) => writeFile(join(GATES, `gate-${gate}`), '');

// predict() holds its thread (a busy loop, as a slow model does) for 1.2 s when the first pixel is 555, and
// until its gate opens when it is 666.
const SLOW_SCORE = `
import { existsSync } from 'node:fs';
import * as real from './real-score.mjs';
export const load = real.load;
export async function predict(model, request) {
  const [first, gate] = request.inputs[0].data;
  if (first === 555) { const end = Date.now() + 1200; while (Date.now() < end); }
  if (first === 666) {
    const opened = ${JSON.stringify(GATES)} + '/gate-' + gate;
    const end = Date.now() + 30000;
    while (Date.now() < end && !existsSync(opened));
  }
  return real.predict(model, request);
}
`;

async function slowArtifact(): Promise<string> {
  const dir = await makeArtifact(DIGITS, { name: 'digits', score: SLOW_SCORE, wrapsTemplate: true });
  return dir;
}

const row = (i: number, first?: number, gateOf = 0) => {
  const data = Array.from(digitsPixels(i));
  if (first !== undefined) data[0] = first;
  if (first === 666) data[1] = gateOf;
  return { inputs: [{ name: 'image', datatype: 'FP32', shape: [1, 1, 8, 8], data }] };
};
/** A request that holds its instance until release(gate). */
const held = (gate: number) => row(0, 666, gate);
const settled = (p: Promise<unknown>) => {
  const state = { done: false };
  void p.finally(() => (state.done = true));
  return state;
};

describe('two instances', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await serve(await slowArtifact(), { instances: 2 });
  });
  afterAll(async () => server.close());
  const infer = () => `${server.url}/v2/models/digits/infer`;

  it('answer concurrent requests bitwise-equal to a direct onnxruntime run', async () => {
    const answers = await Promise.all(Array.from({ length: 24 }, (_, i) => postJson(infer(), row(i))));
    await expectDirectRunOutputs(answers.map((answer, i) => ({ row: i, ...answer })));
    expect(server.engine.instances.every((i) => i !== undefined && i.runs > 0)).toBe(true);
  });

  it('fail only the requests of a killed instance with 500, restart it, and keep serving', async () => {
    const restartsBefore = server.engine.restarts;
    const doomed = postJson(infer(), row(2, 555));
    await until(() => server.engine.instances.some((i) => (i?.load ?? 0) > 0), 'the doomed request to be running');
    const victim = server.engine.instances.find((i) => (i?.load ?? 0) > 0)!;
    const other = postJson(infer(), row(3)); // runs on the other instance meanwhile
    await victim.kill();
    const [lost, fine] = await Promise.all([doomed, other]);
    expect(lost.status).toBe(500);
    expect(lost.json.code).toBe('INSTANCE_CRASHED');
    expect(fine.status).toBe(200);
    const crash = server.logs.find((l) => l.msg.includes('crashed'));
    expect(crash?.request_ids).toEqual([lost.headers.get('x-request-id')]);
    for (let i = 0; i < 100 && server.engine.instances.some((x) => !x?.ready); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(server.engine.restarts).toBe(restartsBefore + 1);
    expect(server.engine.instances.every((x) => x?.ready)).toBe(true);
    const after = await Promise.all([0, 1, 2, 3].map((i) => postJson(infer(), row(i))));
    expect(after.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect((await get(`${server.url}/metrics`)).text).toMatch(/^ood_instance_restarts_total 1$/m);
  });
});

describe('every instance busy with a slow ONNX model', () => {
  // y = the mean of each row of x, through 64 MatMuls of [256, 512] x [512, 512] per row (0.1 s of one core in
  // onnxruntime; fixtures/make_slow_matmul.py): a model that is slow in onnxruntime itself, not in score.mjs.
  const SLOW_MATMUL = join(ROOT, 'test/serve/fixtures/slow_matmul.onnx');
  const ROWS = 8; // 0.8 s per request on a quiet core, 2 s with both cores busy here, longer under load
  let server: TestServer;
  beforeAll(async () => {
    server = await serve(await makeArtifact(SLOW_MATMUL, { name: 'slow_matmul' }), { instances: 2 });
  });
  afterAll(async () => server.close());

  const rowsOf = (k: number) =>
    Array.from({ length: ROWS }, (_, i) => Array.from({ length: 512 }, (_, j) => ((i + j + k) % 7) + 1));

  it('keep answering /health and /metrics while every run is still in progress', async () => {
    const slow = [0, 1].map((k) =>
      postJson(
        `${server.url}/v2/models/slow_matmul/infer`,
        { inputs: [{ name: 'x', datatype: 'FP32', shape: [ROWS, 512], data: rowsOf(k).flat() }] },
        { 'x-request-id': `slow-${k}` },
      ),
    );
    const states = slow.map(settled);
    const busy = () => server.engine.instances.every((i) => (i?.load ?? 0) > 0);
    await until(busy, 'each instance to hold a slow run'); // the least loaded instance takes each request
    const started = performance.now();
    const health = await get(`${server.url}/health`);
    const healthMs = performance.now() - started;
    const metrics = await get(`${server.url}/metrics`);
    const bothMs = performance.now() - started;
    expect(health.status).toBe(200);
    expect(metrics.status).toBe(200);
    expect(states.map((s) => s.done)).toEqual([false, false]); // answered while both runs were in onnxruntime
    expect(busy()).toBe(true);
    const answers = await Promise.all(slow);
    for (const [k, answer] of answers.entries()) {
      expect(answer.status).toBe(200);
      const means = rowsOf(k).map((row) => Math.fround(row.reduce((a, b) => a + b, 0) / 512));
      expect(answer.json.outputs[0].data).toEqual(means.flatMap((m) => new Array(512).fill(m)));
    }
    const inference = [0, 1].map((k) => server.logs.find((l) => l.request_id === `slow-${k}`)!.inference_ms);
    console.log(
      `/health answered in ${healthMs.toFixed(1)} ms, /health + /metrics in ${bothMs.toFixed(1)} ms, ` +
        `while both instances ran requests of ${inference.map((ms: number) => ms.toFixed(0)).join(' and ')} ms`,
    );
  });
});

describe('requests that cannot hurt the server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await serve(await slowArtifact(), { instances: 1, maxQueue: 1, timeoutMs: 5_000 });
  });
  afterAll(async () => server.close());
  const infer = () => `${server.url}/v2/models/digits/infer`;

  const load = () => server.engine.instances[0]?.load ?? 0;
  const depth = () => server.engine.scheduler.depth;
  const idle = () => until(() => load() === 0 && depth() === 0, 'the instance to be idle');

  it('answer 504 past the deadline of the V2 timeout parameter, skip the run, and free its place', async () => {
    await idle();
    const runs = server.engine.instances[0]!.runs;
    const slow = postJson(infer(), held(1));
    await until(() => load() === 1, 'the held request to reach the instance');
    // The instance process takes the next request ahead of its turn (pipelining, model-engine.ts): 1 s, in µs.
    const late = postJson(infer(), { ...row(1), parameters: { timeout: 1_000_000 } });
    await until(() => load() === 2, 'the late request to wait inside the instance');
    expect((await late).status).toBe(504);
    expect((await late).json.code).toBe('DEADLINE_EXCEEDED');
    // Answered, it holds no place: the next request takes it in the instance instead of waiting in the queue.
    expect([load(), depth()]).toEqual([1, 0]);
    const next = postJson(infer(), row(2));
    await until(() => load() === 2, 'the next request to take the freed place');
    expect(depth()).toBe(0);
    await release(1);
    expect((await Promise.all([slow, next])).map((r) => r.status)).toEqual([200, 200]);
    await idle();
    expect(server.engine.instances[0]!.runs - runs).toBe(2); // the late request was never run
  });

  it('answer 503 with Retry-After once --max-queue requests wait', async () => {
    await idle();
    const running = postJson(infer(), held(2));
    await until(() => load() === 1, 'the held request to reach the instance');
    // The instance process already holds the next request too (pipelining, model-engine.ts), so the queue
    // fills with the third.
    const next = postJson(infer(), row(1));
    await until(() => load() === 2, 'the second request to wait inside the instance');
    const waiting = postJson(infer(), row(2));
    await until(() => depth() === 1, 'the third request to wait in the queue');
    const refused = await postJson(infer(), row(3));
    expect(refused.status).toBe(503);
    expect(refused.json.code).toBe('QUEUE_FULL');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect([load(), depth()]).toEqual([2, 1]); // the refused one waits nowhere
    await release(2);
    expect((await Promise.all([running, next, waiting])).map((r) => r.status)).toEqual([200, 200, 200]);
  });

  it('count the wait behind a slow request inside the instance process as queue time, not inference', async () => {
    await idle();
    const slow = postJson(infer(), row(0, 555)); // holds the one instance for 1.2 s
    await until(() => load() === 1, 'the slow request to reach the instance');
    const behind = postJson(infer(), row(1), { 'x-request-id': 'behind-slow' }); // pipelined into the instance
    expect((await Promise.all([slow, behind])).map((r) => r.status)).toEqual([200, 200]);
    const line = server.logs.find((l) => l.request_id === 'behind-slow')!;
    expect(line.queue_ms).toBeGreaterThanOrEqual(1000); // at least the rest of the slow one's 1.2 s
    expect(line.inference_ms).toBeLessThan(line.queue_ms);
  });

  it('log every request as one JSON line with its id, route, status, sizes and times', async () => {
    const ok = await postJson(infer(), row(4), { 'x-request-id': 'trace-me' });
    expect(ok.status).toBe(200);
    const line = server.logs.find((l) => l.request_id === 'trace-me');
    expect(line).toMatchObject({
      level: 'info',
      msg: 'request',
      method: 'POST',
      route: '/v2/models/{name}[/versions/{version}]/infer',
      model: 'digits',
      status: 200,
      bytes_out: Buffer.byteLength(ok.text),
    });
    expect(line!.bytes_in).toBeGreaterThan(0);
    for (const key of ['decode_ms', 'queue_ms', 'inference_ms', 'encode_ms', 'total_ms'])
      expect(line![key]).toBeGreaterThanOrEqual(0);
    const bad = await postJson(infer(), { inputs: [] }, { 'x-request-id': 'bad-one' });
    expect(server.logs.find((l) => l.request_id === 'bad-one')).toMatchObject({
      level: 'warn',
      status: bad.status,
      code: 'BAD_REQUEST',
    });
  });
});

describe('a graceful stop', () => {
  it('completes every accepted request, then stops the instances and removes the extracted artifact', async () => {
    const server = await serve(await slowArtifact(), { instances: 2 });
    const requests = [postJson(`${server.url}/v2/models/digits/infer`, row(0, 555))];
    requests.push(...Array.from({ length: 29 }, (_, i) => postJson(`${server.url}/v2/models/digits/infer`, row(i))));
    const received = () => server.inFlight + server.service.stats.total;
    while (received() < 30) await new Promise((r) => setTimeout(r, 5)); // all 30 accepted
    expect(server.inFlight).toBeGreaterThan(0); // and some still in flight when the stop begins
    await server.close();
    const answers = await Promise.all(requests);
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    expect(server.engine.instances.every((i) => i === undefined || !i.ready)).toBe(true);
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
  });

  it('finishes the requests of clients that hung up, without failing them or stopping an instance under them', async () => {
    const server = await serve(await slowArtifact(), { instances: 1 });
    const infer = `${server.url}/v2/models/digits/infer`;
    const clients = Array.from({ length: 4 }, () => new AbortController());
    const ids = clients.map((_, i) => `gone-${i}`);
    // The first holds the one instance until its gate opens; the other three wait behind it.
    const sent = clients.map((c, i) =>
      fetch(infer, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': ids[i]! },
        body: JSON.stringify(i === 0 ? held(41) : row(i)),
        signal: c.signal,
      }).catch(() => undefined),
    );
    await until(() => server.inFlight === 4, 'all four requests accepted');
    await new Promise((r) => setTimeout(r, 100)); // and handed to the engine
    for (const c of clients) c.abort(); // every client hangs up: no connection is left open
    await Promise.all(sent);
    const closing = server.close();
    await new Promise((r) => setTimeout(r, 200));
    await release(41);
    expect(await closing).toEqual({ cut: 0 });
    const lines = ids.map((id) => server.logs.find((l) => l.request_id === id));
    expect(lines.map((l) => l?.status)).toEqual([200, 200, 200, 200]);
    expect(server.logs.filter((l) => /crashed/.test(String(l.msg))).map((l) => JSON.stringify(l))).toEqual([]);
  });
});

describe('warm-up', () => {
  const failing = `export async function load() { return {}; }
export async function predict() { throw new Error('this model cannot run at all'); }`;

  it("fails the load when the artifact's own sample.json fails on the model", async () => {
    const dir = await makeArtifact(DIGITS, {
      name: 'digits',
      score: failing,
      sample: join(ROOT, 'examples/digits/sample.json'),
    });
    const server = await serve(dir);
    try {
      expect(server.engine.state).toBe('failed');
      expect(server.engine.loadError).toMatchObject({ code: 'SAMPLE_FAILED' });
      expect(server.engine.loadError?.message).toMatch(/sample.json failed on the model: this model cannot run at all/);
      expect((await get(`${server.url}/health`)).status).toBe(513);
    } finally {
      await server.close();
    }
  });

  it('only warns when a synthetic warm-up fails, and serves', async () => {
    const server = await serve(await makeArtifact(DIGITS, { name: 'digits', score: failing }));
    try {
      expect(server.engine.state).toBe('ready');
      expect(server.engine.warnings[0]).toMatch(/^the synthetic warm-up .* failed, .*: this model cannot run at all$/);
      expect((await get(`${server.url}/info`)).json.warnings).toEqual(server.engine.warnings);
      expect((await get(`${server.url}/health`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
