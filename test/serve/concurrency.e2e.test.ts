// Hundreds of concurrent clients, some sending garbage: every good request gets its own correct answer, every bad
// one a 4xx, and the server is healthy afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { makeArtifact, DIGITS } from './helpers/artifact.js';
import { get, serve } from './helpers/server.js';
import type { RunningServer } from '../../src/serve/server.js';

const N = 300;
let server: RunningServer;
let session: ort.InferenceSession;

beforeAll(async () => {
  session = await ort.InferenceSession.create(DIGITS);
});
afterAll(async () => {
  await session.release();
});

/** A deterministic pseudo-random image per request index. */
function image(i: number): Float32Array {
  const out = new Float32Array(64);
  let s = (i + 1) * 2654435761;
  for (let k = 0; k < 64; k++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out[k] = (s % 17) / 16;
  }
  return out;
}

type Kind = 'json' | 'binary' | 'instances' | 'bad-json' | 'bad-dtype' | 'bad-shape' | 'bad-route';
const KINDS: Kind[] = [
  'json',
  'binary',
  'instances',
  'bad-json',
  'json',
  'bad-dtype',
  'binary',
  'bad-shape',
  'json',
  'bad-route',
];

function request(i: number, kind: Kind): Promise<Response> {
  const url = `${server.url}/v2/models/digits/infer`;
  const data = Array.from(image(i));
  const input = { name: 'image', datatype: 'FP32', shape: [1, 1, 8, 8], data };
  const json = (body: unknown, to = url) =>
    fetch(to, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  switch (kind) {
    case 'json':
      return json({ id: `r${i}`, inputs: [input] });
    case 'binary': {
      const raw = Buffer.from(image(i).buffer);
      const header = Buffer.from(
        JSON.stringify({
          id: `r${i}`,
          inputs: [{ ...input, data: undefined, parameters: { binary_data_size: raw.length } }],
        }),
      );
      return fetch(url, {
        method: 'POST',
        body: Buffer.concat([header, raw]),
        headers: { 'inference-header-content-length': String(header.length) },
      });
    }
    case 'instances':
      return json(
        { instances: [[Array.from({ length: 8 }, (_, r) => data.slice(r * 8, r * 8 + 8))]] },
        `${server.url}/predict`,
      );
    case 'bad-json':
      return fetch(url, { method: 'POST', body: `{"id": "r${i}", "inputs": [{"name": "image",` });
    case 'bad-dtype':
      return json({ inputs: [{ ...input, datatype: 'INT32' }] });
    case 'bad-shape':
      return json({ inputs: [{ ...input, shape: [1, 64] }] });
    case 'bad-route':
      return json({ inputs: [input] }, `${server.url}/v2/models/digits/infer/now`);
  }
}

describe.each([
  ['without batching', {}],
  ['with dynamic batching', { maxBatch: 64, batchDelayMs: 2 }],
])('under concurrent load, %s', (_label, options) => {
  beforeAll(async () => {
    server = await serve(await makeArtifact(DIGITS, { name: 'digits' }), options);
  });
  afterAll(async () => server.close());

  it(`answers ${N} simultaneous requests, good ones correctly and bad ones with 4xx, and stays healthy`, async () => {
    const expected = await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const out = await session.run({ image: new ort.Tensor('float32', image(i), [1, 1, 8, 8]) });
        return Array.from(out.logits!.data as Float32Array);
      }),
    );
    const kinds = Array.from({ length: N }, (_, i) => KINDS[i % KINDS.length]!);
    const responses = await Promise.all(kinds.map((kind, i) => request(i, kind)));
    let good = 0;
    let bad = 0;
    for (let i = 0; i < N; i++) {
      const res = responses[i]!;
      const kind = kinds[i]!;
      const body = Buffer.from(await res.arrayBuffer()).toString();
      if (kind.startsWith('bad')) {
        expect(res.status, `${kind} #${i}`).toBeGreaterThanOrEqual(400);
        expect(res.status, `${kind} #${i}`).toBeLessThan(500);
        expect(JSON.parse(body).error).toBeTypeOf('string');
        bad++;
        continue;
      }
      expect(res.status, `${kind} #${i}: ${body}`).toBe(200);
      const parsed = JSON.parse(body);
      const logits = kind === 'instances' ? parsed.predictions[0] : parsed.outputs[0].data;
      if (kind !== 'instances') expect(parsed.id).toBe(`r${i}`);
      expect(logits.map(Math.fround), `${kind} #${i}`).toEqual(expected[i]);
      good++;
    }
    expect(good).toBe(180);
    expect(bad).toBe(120);
    expect((await get(`${server.url}/health`)).status).toBe(200);
    const stats = await get(`${server.url}/stats`);
    expect(stats.json.requests.by_status['200']).toBeGreaterThanOrEqual(180);
    if ('maxBatch' in options) expect(stats.json.batching.merged_runs).toBeGreaterThan(0);
    else expect(stats.json.batching).toBeNull();
  });
});
