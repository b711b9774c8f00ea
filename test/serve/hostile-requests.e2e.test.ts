// Issue 18 items 8 and 9: hostile or broken requests are the client's problem, never the server's. A shape that
// claims 10^15 rows and data nested 100 000 deep are 400s checked before any allocation or recursion (they were
// 500 INTERNAL: "Invalid typed array length", "Maximum call stack size exceeded"); a client that hangs up mid-body
// is counted as aborted, not as a 500, and stays out of the latency percentiles. Item 16: an artifact whose code
// throws from a timer takes down only its instance, which restarts; the server keeps answering.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeArtifact, DIGITS, ROOT } from './helpers/artifact.js';
import { get, postJson, serve, type TestServer } from './helpers/server.js';

const sample = JSON.parse(await readFile(join(ROOT, 'examples/digits/sample.json'), 'utf8'));

let server: TestServer;
beforeAll(async () => {
  server = await serve(await makeArtifact(DIGITS, { name: 'digits' }), { maxBody: 8 * 2 ** 20 });
});
afterAll(async () => server.close());

const infer = () => `${server.url}/v2/models/digits/infer`;
const tensor = (shape: number[], data: unknown) => ({ inputs: [{ name: 'image', datatype: 'FP32', shape, data }] });

describe('requests that lie about their size or shape', () => {
  it('answers a shape of [1e15, 1, 8, 8] with one element 400 ELEMENT_COUNT_MISMATCH', async () => {
    const r = await postJson(infer(), tensor([1e15, 1, 8, 8], [1]));
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ code: 'ELEMENT_COUNT_MISMATCH' });
    expect(r.json.error).toMatch(/needs 64000000000000000 elements, got 1/);
  });

  it('answers data nested 100 000 levels deep 400 BAD_TENSOR_DATA, naming the shape', async () => {
    const depth = 100_000;
    const body = `{"inputs":[{"name":"image","datatype":"FP32","shape":[1,1,8,8],"data":${'['.repeat(depth)}1${']'.repeat(depth)}}]}`;
    const r = await postJson(infer(), body);
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ code: 'BAD_TENSOR_DATA' });
    expect(r.json.error).toMatch(/nested deeper than its shape \[1, 1, 8, 8\]/);
  });

  it('still accepts data nested once per dimension', async () => {
    const row = Array.from({ length: 8 }, () => new Array(8).fill(0.5));
    const r = await postJson(infer(), tensor([1, 1, 8, 8], [[row]]));
    expect(r.status).toBe(200);
  });
});

describe('a client that hangs up mid-body', () => {
  it('is counted as aborted in /stats and /metrics, not as a 500, and adds no latency', async () => {
    const before = (await get(`${server.url}/stats`)).json.requests;
    const port = Number(new URL(server.url).port);
    for (let i = 0; i < 20; i++) {
      await new Promise<void>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write(`POST /v2/models/digits/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{"inputs":[`);
          setTimeout(() => {
            socket.destroy();
            resolve();
          }, 20);
        });
      });
    }
    let after = before;
    for (let i = 0; i < 50 && after.aborted < before.aborted + 20; i++) {
      await new Promise((r) => setTimeout(r, 50));
      after = (await get(`${server.url}/stats`)).json.requests;
    }
    expect(after.aborted - before.aborted).toBe(20);
    expect(after.by_status['500'] ?? 0).toBe(before.by_status['500'] ?? 0);
    expect(after.total - before.total).toBe(1); // the /stats request before, only
    const metrics = (await get(`${server.url}/metrics`)).text;
    expect(metrics).toMatch(/^ood_requests_aborted_total 20$/m);
    expect(metrics).not.toMatch(/ood_requests_total\{route="unread",status="500"\}/);
  });
});

describe('an artifact whose code throws from a timer', () => {
  it('loses only the instance, which restarts, while the server keeps answering', async () => {
    const score = [
      "import * as real from './real-score.mjs';",
      'export async function load(dir, ctx) {',
      "  setTimeout(() => { throw new Error('thrown from a timer'); }, 300);",
      '  return real.load(dir, ctx);',
      '}',
      'export const predict = real.predict;',
      '',
    ].join('\n');
    const dir = await makeArtifact(DIGITS, { name: 'digits', score, wrapsTemplate: true });
    const timers = await serve(dir);
    try {
      // The instance dies (a thread that threw, or a process that exited, by the engine's isolation) and restarts.
      const said = () => timers.logs.map((l) => String(l.msg ?? l.message));
      for (let i = 0; i < 300 && !said().some((m) => /^instance \d+ restarted/.test(m)); i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(said().some((m) => /^instance \d+ died \(/.test(m))).toBe(true);
      expect(said().some((m) => /^instance \d+ restarted/.test(m))).toBe(true);
      expect((await get(`${timers.url}/ping`)).status).toBe(200);
      let status = 0;
      for (let i = 0; i < 50 && status !== 200; i++) {
        status = (await postJson(`${timers.url}/v2/models/digits/infer`, sample)).status;
        if (status !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(status).toBe(200);
    } finally {
      await timers.close();
    }
  });
});

describe('an artifact whose predict() answers null', () => {
  it('is not ready: /health answers 513 naming the broken contract, instead of 200 while every request fails', async () => {
    const score = [
      "import * as real from './real-score.mjs';",
      'export const load = real.load;',
      'export async function predict() { return null; }',
      '',
    ].join('\n');
    const dir = await makeArtifact(DIGITS, { name: 'digits', score, wrapsTemplate: true });
    const broken = await serve(dir);
    try {
      await broken.ready;
      expect(broken.service.model.state).toBe('failed');
      const health = await get(`${broken.url}/health`);
      expect(health.status).toBe(513);
      expect(health.json).toMatchObject({ code: 'SCORE_INVALID' });
      expect(health.json.message).toMatch(/score\.mjs's predict\(\) returned null, not \{ outputs: \[\.\.\.\] \}/);
      expect((await get(`${broken.url}/v2/health/ready`)).status).toBe(503);
    } finally {
      await broken.close();
    }
  });
});
