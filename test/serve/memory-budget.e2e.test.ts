// Issue 18 item 10: one request took 3.5 GB and kept it. Now (src/serve/memory-budget.ts) every request in flight
// is charged for its body (its Content-Length before a byte is read) and its tensors, against --max-memory: past
// it 503 MEMORY_BUSY with Retry-After, a request that alone needs more 413, and what a request held is given back
// when it is answered or its client goes away. And the instances run without onnxruntime's CPU arena, so the
// server's memory returns after a large run.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { join } from 'node:path';
import { makeArtifact, DIGITS, ROOT } from './helpers/artifact.js';
import { get, postJson, serve, servedUrl, type TestServer } from './helpers/server.js';
// @ts-expect-error: a plain .mjs bench helper without types
import { treeRss } from '../../bench/serve-process.mjs';

const KIB = 1024;
const rows = (n: number) => ({
  inputs: [{ name: 'image', datatype: 'FP32', shape: [n, 1, 8, 8], data: new Array(n * 64).fill(0.5) }],
});
const used = async (url: string) =>
  Number(/^ood_memory_budget_used_bytes (\S+)$/m.exec((await get(`${url}/metrics`)).text)?.[1]);

describe('the memory budget across requests in flight', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await serve(await makeArtifact(DIGITS, { name: 'digits' }), { maxMemory: 48 * KIB, instances: 1 });
  });
  afterAll(async () => server.close());
  const infer = () => `${server.url}/v2/models/digits/infer`;

  it('answers a request that fits 200 and gives its bytes back', async () => {
    const r = await postJson(infer(), rows(4));
    expect(r.status).toBe(200);
    expect(await used(server.url)).toBe(0);
  });

  it('refuses a request that alone needs more than the budget with 413 REQUEST_EXCEEDS_MEMORY', async () => {
    const r = await postJson(infer(), rows(200)); // a 51 KB body
    expect(r.status).toBe(413);
    expect(r.json).toMatchObject({ code: 'REQUEST_EXCEEDS_MEMORY', hint: expect.stringContaining('--max-memory') });
  });

  it('answers 503 MEMORY_BUSY with Retry-After while others hold it, and 200 once they let go', async () => {
    // A client that declares 40 KiB and sends one byte holds 40 KiB of the budget from its headers on.
    const holder = connect(server.port, '127.0.0.1');
    await new Promise<void>((resolve) => holder.once('connect', () => resolve()));
    holder.write(
      `POST /v2/models/digits/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${40 * KIB}\r\n\r\n{`,
    );
    for (let i = 0; i < 100 && (await used(server.url)) !== 40 * KIB; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await used(server.url)).toBe(40 * KIB);
    const busy = await postJson(infer(), rows(64)); // a 16 KB body: 40 + 16 > 48 KiB
    expect(busy.status).toBe(503);
    expect(busy.json).toMatchObject({ code: 'MEMORY_BUSY' });
    expect(busy.headers.get('retry-after')).toBe('1');
    holder.destroy(); // the client goes away: its 40 KiB are given back
    for (let i = 0; i < 100 && (await used(server.url)) !== 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await used(server.url)).toBe(0);
    expect((await postJson(infer(), rows(64))).status).toBe(200);
    expect(await used(server.url)).toBe(0);
  });
});

describe('memory after a large request', () => {
  it('stays within 640 MB (10 bodies) of where it was after three 64 MiB binary batches (issue 18 item 10: it kept 1.8 GB)', async () => {
    const zip = await makeArtifact(DIGITS, { name: 'digits' });
    const child = execa(
      process.execPath,
      [
        join(ROOT, 'dist/src/cli/main.js'),
        'serve',
        zip,
        '--port',
        '0',
        '--instances',
        '1',
        '--max-body',
        String(80 * 2 ** 20),
      ],
      { reject: false, timeout: 120_000 },
    );
    try {
      const url = await servedUrl(child, { ready: true });
      const small = await postJson(`${url}/v2/models/digits/infer`, rows(1));
      expect(small.status).toBe(200);
      const before = (await treeRss(child.pid)) as number;
      const n = 2 ** 18; // 64 MiB of FP32 rows
      const header = Buffer.from(
        JSON.stringify({
          inputs: [{ name: 'image', datatype: 'FP32', shape: [n, 1, 8, 8], parameters: { binary_data_size: n * 256 } }],
          outputs: [{ name: 'logits', parameters: { binary_data: true } }],
        }),
      );
      const body = Buffer.concat([header, Buffer.alloc(n * 256)]);
      for (let k = 0; k < 3; k++) {
        const r = await fetch(`${url}/v2/models/digits/infer`, {
          method: 'POST',
          headers: { 'inference-header-content-length': String(header.length) },
          body,
        });
        expect(r.status).toBe(200);
        await r.arrayBuffer();
      }
      // What stays is buffers V8 has not collected yet, at a plateau (measured +344 MB in all); with onnxruntime's
      // arena the instance alone kept its 1.8 GB peak. Bounded wait for the collector, not a timing assertion.
      let after = Infinity;
      for (let i = 0; i < 50 && after > before + 640; i++) {
        await new Promise((res) => setTimeout(res, 200));
        after = (await treeRss(child.pid)) as number;
      }
      expect(after, `RSS ${before.toFixed(0)} MB before, ${after.toFixed(0)} MB after`).toBeLessThan(before + 640);
    } finally {
      child.kill('SIGTERM');
      await child;
    }
  }, 180_000);
});
