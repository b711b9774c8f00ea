// No request can kill the server: instances run in child processes, so a native crash inside onnxruntime (here a
// real one: INT32_MIN / -1 in an integer Div, which raises SIGFPE on x86-64) or an abort in score.mjs ends only
// the instance. The crashed request gets 500 naming the signal, the instance restarts, /metrics counts it, and
// the other instance's requests and every later request are answered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { makeArtifact, ROOT } from './helpers/artifact.js';
import { get, postJson, serve, until, type TestServer } from './helpers/server.js';

const INT_DIV = join(ROOT, 'test/serve/fixtures/int_div.onnx');
const INT32_MIN = -(2 ** 31);

// A score.mjs around the real one that aborts its process when a is 99 (when a is 98: once the test opens the
// gate file, at most 30 s later), and holds its thread for 0.8 s when a is 555 (so a test can see which instance
// is busy).
const GATE = join(await mkdtemp(join(tmpdir(), 'ood-isolation-gate-')), 'open');
const ABORTING_SCORE = `
import { existsSync } from 'node:fs';
import * as real from './real-score.mjs';
export const load = real.load;
export async function predict(model, request) {
  const a = request.inputs[0].data[0];
  if (a === 99) process.abort();
  if (a === 98) { const end = Date.now() + 30000; while (Date.now() < end && !existsSync(${JSON.stringify(GATE)})); process.abort(); }
  if (a === 555) { const end = Date.now() + 800; while (Date.now() < end); }
  return real.predict(model, request);
}
`;

async function intDivArtifact(score?: string): Promise<string> {
  return makeArtifact(INT_DIV, { name: 'int_div', ...(score ? { score, wrapsTemplate: true } : {}) });
}

const divide = (a: number, b: number) => ({
  inputs: [
    { name: 'a', datatype: 'INT32', shape: [1, 1], data: [a] },
    { name: 'b', datatype: 'INT32', shape: [1, 1], data: [b] },
  ],
});

/** /proc/PID/stat ("pid (comm) state ..."), or '' once the process is gone. */
const statOf = (pid: string) => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return '';
  }
};

async function restarted(server: TestServer, restarts: number): Promise<void> {
  for (let i = 0; i < 200 && (server.engine.restarts < restarts || server.engine.instances.some((x) => !x?.ready)); i++)
    await new Promise((r) => setTimeout(r, 25));
  expect(server.engine.restarts).toBe(restarts);
  expect(server.engine.instances.every((x) => x?.ready)).toBe(true);
}

describe('instances in child processes (the default isolation)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await serve(await intDivArtifact(ABORTING_SCORE), { instances: 2 });
  });
  afterAll(async () => server.close());
  const infer = () => `${server.url}/v2/models/int_div/infer`;

  it('run each instance in a process of its own', () => {
    const pids = server.engine.instances.map((i) => i?.pid);
    expect(new Set(pids).size).toBe(2);
    expect(pids).not.toContain(process.pid);
  });

  it('answer a request that makes onnxruntime raise SIGFPE with 500, restart the instance, and keep serving', async () => {
    // The crash is real: the same run in a bare onnxruntime process is killed by SIGFPE (checked here).
    const { execa } = await import('execa');
    const bare = await execa(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import * as ort from 'onnxruntime-node';
const s = await ort.InferenceSession.create(${JSON.stringify(INT_DIV)});
const t = (v) => new ort.Tensor('int32', Int32Array.of(v), [1, 1]);
await s.run({ a: t(${INT32_MIN}), b: t(-1) });`,
      ],
      { cwd: ROOT, reject: false },
    );
    expect(bare.signal).toBe('SIGFPE');

    const restarts = server.engine.restarts;
    const busy = postJson(infer(), divide(555, 5)); // holds one instance
    await until(() => server.engine.instances.some((i) => (i?.load ?? 0) > 0), 'the busy request to run');
    const crash = await postJson(infer(), divide(INT32_MIN, -1), { 'x-request-id': 'sigfpe-1' });
    expect(crash.status).toBe(500);
    expect(crash.json).toMatchObject({ code: 'INSTANCE_CRASHED' });
    expect(crash.json.error).toMatch(/killed by SIGFPE/);
    expect((await busy).json.outputs[0].data).toEqual([111]); // the other instance was not touched
    expect(server.logs.find((l) => /crashed/.test(l.msg) && l.request_ids?.includes('sigfpe-1'))).toBeDefined();
    await restarted(server, restarts + 1);
    const after = await Promise.all([7, 8, 9, 10].map((a) => postJson(infer(), divide(a, 2))));
    expect(after.map((r) => r.json.outputs[0].data[0])).toEqual([3, 4, 4, 5]);
    expect((await get(`${server.url}/health`)).status).toBe(200);
  });

  it('answer a request whose score.mjs aborts its process with 500, count the restart in /metrics', async () => {
    const restarts = server.engine.restarts;
    const crash = await postJson(infer(), divide(99, 1));
    expect(crash.status).toBe(500);
    expect(crash.json.error).toMatch(/killed by SIGABRT/);
    expect(crash.json.hint).toMatch(/restarted; retry/);
    // What the dying process printed (V8's abort trace) is in the server's log, as JSON lines like the rest.
    await until(() => server.logs.some((l) => /^instance \d: .*score\.mjs/.test(l.msg)), 'the abort trace in the log');
    await restarted(server, restarts + 1);
    expect((await get(`${server.url}/metrics`)).text).toMatch(
      new RegExp(`^ood_instance_restarts_total ${restarts + 1}$`, 'm'),
    );
    expect((await postJson(infer(), divide(12, 4))).json.outputs[0].data).toEqual([3]);
  });

  it('run the request queued behind a crash in the same instance process again, on the restarted one', async () => {
    const own = await serve(await intDivArtifact(ABORTING_SCORE), { instances: 1 });
    try {
      const url = `${own.url}/v2/models/int_div/infer`;
      const load = () => own.engine.instances[0]?.load ?? 0;
      const crashing = postJson(url, divide(98, 1)); // aborts its process once the gate opens
      await until(() => load() === 1, 'the crashing request to reach the instance');
      const behind = postJson(url, divide(21, 7)); // sent to the instance while the crashing one runs
      await until(() => load() === 2, 'the next request to wait inside the instance');
      await writeFile(GATE, '');
      const [lost, answered] = await Promise.all([crashing, behind]);
      expect(lost.status).toBe(500);
      expect(lost.json.error).toMatch(/killed by SIGABRT/);
      expect(answered.status).toBe(200);
      expect(answered.json.outputs[0].data).toEqual([3]);
      expect(own.engine.restarts).toBe(1);
    } finally {
      await own.close();
    }
  });

  it('leave no instance process and no onnxruntime log behind once the server stops', async () => {
    const own = await serve(await intDivArtifact(), { instances: 2 });
    const pids = own.engine.instances.map((i) => i!.pid!);
    expect((await postJson(`${own.url}/v2/models/int_div/infer`, divide(9, 3))).json.outputs[0].data).toEqual([3]);
    await own.close();
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
    const logs = await readdir(tmpdir());
    for (const pid of pids) expect(logs).not.toContain(`mat-debug-${pid}.log`);
  });
});

describe('a server killed with SIGKILL', () => {
  it('leaves no orphaned instance process: each ends when its channel to the server closes', async () => {
    const { execa } = await import('execa');
    const cli = join(ROOT, 'dist/src/cli/main.js');
    const server = execa(process.execPath, [cli, 'serve', await intDivArtifact(), '--port', '0', '--json'], {
      reject: false,
    });
    await new Promise<void>((resolve) => {
      let text = '';
      server.stdout!.on('data', (d: Buffer) => {
        text += String(d);
        if (/"event":"ready"/.test(text)) resolve();
      });
    });
    const pid = server.pid!;
    const children = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8')).split(/\s+/).filter(Boolean);
    expect(children.length).toBe(2);
    process.kill(pid, 'SIGKILL');
    await server;
    const alive = () => children.filter((c) => existsSync(`/proc/${c}`) && !/^\S+ \S+ Z/.test(statOf(c)));
    for (let i = 0; i < 100 && alive().length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(alive()).toEqual([]);
  });
});

describe('instances in worker threads (--isolation thread)', () => {
  it('answer bitwise-equal to a direct onnxruntime run, inside the server process', async () => {
    const server = await serve(await intDivArtifact(), { instances: 2, isolation: 'thread' });
    try {
      expect(server.engine.instances.map((i) => i?.pid)).toEqual([process.pid, process.pid]);
      const session = await ort.InferenceSession.create(INT_DIV);
      const pairs = Array.from({ length: 16 }, (_, i) => [i * 37 - 200, (i % 5) + 1] as const);
      const answers = await Promise.all(
        pairs.map(([a, b]) => postJson(`${server.url}/v2/models/int_div/infer`, divide(a, b))),
      );
      for (const [i, [a, b]] of pairs.entries()) {
        const t = (v: number) => new ort.Tensor('int32', Int32Array.of(v), [1, 1]);
        const direct = (await session.run({ a: t(a), b: t(b) })).q!.data as Int32Array;
        expect(answers[i]!.json.outputs[0].data).toEqual(Array.from(direct));
      }
      await session.release();
    } finally {
      await server.close();
    }
  });
});
