// An instance that runs out of memory is an instance crash like any other: the request it held gets 500, the log
// names that request, the instance is restarted, the other instance's request and every later one are answered,
// and the server stays up. The engine sets no heap limit of its own, so the test lowers V8's with NODE_OPTIONS
// (--max-old-space-size, as an operator caps a Node server; the server's instance processes inherit its
// environment, and its worker threads its V8 flags) instead of filling the default limit of several GB. At the
// limit, V8 ends an instance process with a fatal "JavaScript heap out of memory" and SIGABRT, and terminates a
// worker thread with ERR_WORKER_OUT_OF_MEMORY.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeArtifact, DIGITS } from './helpers/artifact.js';
import { until } from './helpers/server.js';
import { getFresh, post, serveCli, type Served } from './helpers/cli-server.js';
import { digitsPixels } from './helpers/digits-direct.js';

const HEAP_MB = 96;
const GATES = await mkdtemp(join(tmpdir(), 'ood-oom-gates-'));

// predict(), when the first pixel is 666, says it started (file entered-<second pixel>) and waits until the file
// gate-<second pixel> exists; when it is 333, it keeps allocating until the heap limit ends its instance.
const OOM_SCORE = `
import { existsSync, writeFileSync } from 'node:fs';
import * as real from './real-score.mjs';
const gates = ${JSON.stringify(GATES)};
export const load = real.load;
export async function predict(model, request) {
  const [first, gate] = request.inputs[0].data;
  if (first === 666) {
    writeFileSync(gates + '/entered-' + gate, '');
    while (!existsSync(gates + '/gate-' + gate)) await new Promise((r) => setTimeout(r, 10));
  }
  if (first === 333) {
    const kept = [];
    for (;;) kept.push(new Array(100000).fill(first));
  }
  return real.predict(model, request);
}
`;

async function oomArtifact(): Promise<string> {
  const dir = await makeArtifact(DIGITS, { name: 'digits', score: OOM_SCORE, wrapsTemplate: true });
  return dir;
}

const row = (i: number, first?: number, gate = 0) => {
  const data = Array.from(digitsPixels(i));
  if (first !== undefined) [data[0], data[1]] = [first, gate];
  return { inputs: [{ name: 'image', datatype: 'FP32', shape: [1, 1, 8, 8], data }] };
};

let server: Served | undefined;
afterEach(async () => {
  server?.child.kill('SIGTERM');
  await server?.child;
  server = undefined;
});

describe.each([
  // isolation, what the 500 says, what the log shows of the out-of-memory death
  ['process', /its process was killed by SIGABRT/, /^instance \d: .*JavaScript heap out of memory/],
  ['thread', /reaching memory limit: JS heap out of memory/, /^instance \d died \(.*JS heap out of memory\)/],
] as const)('an instance out of memory (--isolation %s)', (isolation, answered, logged) => {
  it('fails only the request it held with 500, is restarted, and the server keeps serving', async () => {
    const s = (server = await serveCli(await oomArtifact(), {
      args: ['--isolation', isolation, '--instances', '2'],
      env: { NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}` },
    }));
    const url = `${s.url}/v2/models/digits/infer`;
    const gate = isolation === 'process' ? 1 : 2;
    // One instance holds a request; the scheduler gives the next to the other, idle one, which runs out of memory.
    const held = post(url, row(0, 666, gate));
    await until(() => existsSync(join(GATES, `entered-${gate}`)), 'the held request to be inside predict');
    const lost = await post(url, row(1, 333));
    expect(lost.status).toBe(500);
    expect(lost.json.code).toBe('INSTANCE_CRASHED');
    expect(lost.json.error).toMatch(answered);
    await until(() => s.logs.some((l) => /^instance \d crashed/.test(l.msg)), 'the crash in the log');
    expect(s.logs.find((l) => /^instance \d crashed/.test(l.msg))!.request_ids).toEqual([lost.id]);
    expect(s.logs.some((l) => logged.test(l.msg))).toBe(true);
    await until(() => s.logs.some((l) => /^instance \d restarted$/.test(l.msg)), 'the instance to restart');
    await writeFile(join(GATES, `gate-${gate}`), '');
    expect((await held).status).toBe(200); // the other instance's request was not touched
    const after = await Promise.all([2, 3, 4, 5].map((i) => post(url, row(i))));
    expect(after.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect((await getFresh(`${s.url}/health`)).status).toBe(200);
    expect((await getFresh(`${s.url}/metrics`)).text).toMatch(/^ood_instance_restarts_total 1$/m);
    expect(s.child.exitCode).toBeNull(); // the server process is still running
  });
});
