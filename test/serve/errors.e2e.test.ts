// Every error path over loopback: bad requests get a 4xx JSON answer naming what was wrong, a failing inference
// gets a 500 JSON answer, a model that fails to load gets 513 on /health, and the server keeps serving throughout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFile, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { makeArtifact, sealArtifact, DIGITS, ROOT } from './helpers/artifact.js';
import { get, postJson, serve } from './helpers/server.js';
import { startServer, type RunningServer } from '../../src/serve/server.js';

const sample = JSON.parse(await readFile(join(ROOT, 'examples/digits/sample.json'), 'utf8'));
const image = sample.inputs[0];
let server: RunningServer;
let infer: string;

// A score.mjs that fails inside predict when the first pixel is 666, and otherwise defers to the real one.
const FAILING_SCORE = `
import * as real from './real-score.mjs';
export const load = real.load;
export async function predict(model, request) {
  if (request.inputs[0].data[0] === 666) throw new Error('kernel exploded on purpose');
  return real.predict(model, request);
}
`;

beforeAll(async () => {
  const dir = await makeArtifact(DIGITS, { name: 'digits', score: FAILING_SCORE, wrapsTemplate: true });
  server = await serve(dir, { maxBody: 64 * 1024 });
  infer = `${server.url}/v2/models/digits/infer`;
});
afterAll(async () => server.close());

async function expectHealthy() {
  expect((await get(`${server.url}/health`)).status).toBe(200);
  expect((await postJson(infer, sample)).status).toBe(200);
}

describe('bad requests get a 400 that names the input, what was expected and what came', () => {
  it.each([
    ['malformed JSON', '{"inputs": [', /not valid JSON/],
    ['an empty body', '', /body is empty/],
    ['a body that is not a V2 request', { rows: [1, 2] }, /request must have required property 'inputs'/],
    [
      'an unknown input name',
      { inputs: [{ ...image, name: 'pixels' }] },
      /unknown input "pixels"; the model takes "image"/,
    ],
    ['a missing input (empty inputs)', { inputs: [] }, /inputs must NOT have fewer than 1 items/],
    [
      'the wrong datatype',
      { inputs: [{ ...image, datatype: 'FP64' }] },
      /^input "image": expected datatype FP32, got FP64$/,
    ],
    [
      'the wrong shape',
      { inputs: [{ ...image, shape: [4, 64] }] },
      /^input "image": expected shape \[batch, 1, 8, 8\], got \[4, 64\]$/,
    ],
    [
      'too few elements',
      { inputs: [{ ...image, data: image.data.slice(1) }] },
      /^input "image": shape \[4, 1, 8, 8\] needs 256 elements, got 255$/,
    ],
    [
      'a non-numeric element',
      { inputs: [{ ...image, data: ['x', ...image.data.slice(1)] }] },
      /^input "image": element 0 is "x", not a valid FP32 value$/,
    ],
    [
      'an unknown output',
      { ...sample, outputs: [{ name: 'probabilities' }] },
      /^unknown output "probabilities"; the model returns "logits"$/,
    ],
    ['the same input twice', { inputs: [image, image] }, /"image" is given twice/],
  ])('%s', async (_what, body, message) => {
    const r = await postJson(infer, body);
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(r.json.error).toMatch(message);
  });

  it('a binary_data_size that runs past the body', async () => {
    const header = Buffer.from(
      JSON.stringify({
        inputs: [{ name: 'image', datatype: 'FP32', shape: [1, 1, 8, 8], parameters: { binary_data_size: 256 } }],
      }),
    );
    const res = await fetch(infer, {
      method: 'POST',
      body: Buffer.concat([header, Buffer.alloc(100)]),
      headers: { 'inference-header-content-length': String(header.length) },
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatch(/binary_data_size 256 runs past the 100 binary bytes/);
  });

  it('an Inference-Header-Content-Length longer than the body', async () => {
    const res = await fetch(infer, {
      method: 'POST',
      body: '{}',
      headers: { 'inference-header-content-length': '999' },
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatch(/Inference-Header-Content-Length is 999/);
  });

  it('and the server is still healthy afterwards', expectHealthy);
});

describe('HTTP-level errors are JSON', () => {
  it('413 for a body over --max-body, without reading it all', async () => {
    const big = JSON.stringify({ inputs: [{ ...image, data: new Array(20_000).fill(0.5) }] });
    const r = await postJson(infer, big);
    expect(r.status).toBe(413);
    expect(r.json.error).toMatch(/exceeds the 65536-byte limit/);
    await expectHealthy();
  });

  it('413 for a chunked body (no Content-Length) once it grows past --max-body', async () => {
    const chunk = new TextEncoder().encode(' '.repeat(16 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 64)
          controller.enqueue(chunk); // 1 MiB in total, never announced
        else controller.close();
      },
    });
    const res = await fetch(infer, {
      method: 'POST',
      body,
      duplex: 'half',
      headers: { 'content-type': 'application/json' },
    } as RequestInit);
    expect(res.status).toBe(413);
    expect((await res.json()).code).toBe('BODY_TOO_LARGE');
    await expectHealthy();
  });

  it('404 for an unknown route', async () => {
    const r = await get(`${server.url}/v3/everything`);
    expect(r.status).toBe(404);
    expect(r.json).toMatchObject({ code: 'NOT_FOUND', error: 'no route /v3/everything' });
  });

  it('405 with an Allow header for a wrong method', async () => {
    const r = await get(`${server.url}/predict`);
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('POST');
    expect(r.json.error).toMatch(/GET is not allowed on \/predict; use POST/);
    const del = await get(`${server.url}/health`, { method: 'DELETE' });
    expect(del.status).toBe(405);
  });

  it('422 for unprocessable CSV, naming the line and column (drum_server_api.yaml: 422 Unprocessable entity)', async () => {
    const mlp = await serve(await makeArtifact(join(ROOT, 'test/fixtures/models/mlp_opset13.onnx'), { name: 'mlp' }));
    try {
      const post = (body: string) =>
        fetch(`${mlp.url}/predict`, { method: 'POST', body, headers: { 'content-type': 'text/csv' } });
      const good = await post('a,b,c,d,e,f\n1,2,3,4,5,6\n0,0,0,0,0,NA\n');
      expect(good.status).toBe(200);
      const body = await good.json();
      expect(body.predictions).toHaveLength(2);
      expect(body.predictions[0]).toHaveLength(5);
      const ragged = await post('1,2,3,4,5,6\n1,2,3\n');
      expect(ragged.status).toBe(422);
      expect(await ragged.json()).toMatchObject({
        message: 'ERROR: CSV line 2 has 3 columns, the first line has 6',
        code: 'CSV_BAD_ROW',
      });
      const text = await post('1,2,3,4,5,6\n1,2,x,4,5,6\n');
      expect(text.status).toBe(422);
      expect((await text.json()).message).toMatch(/line 2, column 3: "x" is not a FP32 number/);
      const quote = await post('1,2,3,4,5,"6\n');
      expect(quote.status).toBe(422);
      expect((await quote.json()).code).toBe('CSV_MALFORMED');
    } finally {
      await mlp.close();
    }
  });
});

describe('a failing inference', () => {
  it('gets a 500 JSON answer and the server keeps serving', async () => {
    const data = [...image.data];
    data[0] = 666;
    const r = await postJson(infer, { inputs: [{ ...image, data }] });
    expect(r.status).toBe(500);
    expect(r.json).toMatchObject({ code: 'INFERENCE_FAILED' });
    expect(r.json.error).toMatch(/kernel exploded on purpose/);
    await expectHealthy();
  });
});

describe('a model that fails to load', () => {
  it("keeps the server up: DRUM's routes answer 513 with the load error, V2 readiness 503, V2 liveness 200", async () => {
    const dir = await makeArtifact(DIGITS, { name: 'digits' });
    await copyFile(join(ROOT, 'test/fixtures/models/truncated.onnx'), join(dir, 'model.onnx'));
    await sealArtifact(dir); // past the admission gate: the defect under test is onnxruntime's, not the digest
    const broken = await serve(dir);
    try {
      expect(broken.service.model.state).toBe('failed');
      const health = await get(`${broken.url}/health`);
      expect(health.status).toBe(513);
      expect(health.json.message).toMatch(/^ERROR: the model failed to load/);
      const predict = await postJson(`${broken.url}/predict`, sample);
      expect(predict.status).toBe(513);
      expect((await get(`${broken.url}/v2/health/ready`)).status).toBe(503);
      expect((await get(`${broken.url}/ping`)).status).toBe(513);
      expect((await get(`${broken.url}/v2/health/live`)).status).toBe(200);
    } finally {
      await broken.close();
    }
  });
});

describe('a port already in use', () => {
  it('is a clear PORT_IN_USE error', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(
        startServer(await makeArtifact(DIGITS), { port, host: '127.0.0.1', maxBody: 1024 }),
      ).rejects.toMatchObject({
        code: 'PORT_IN_USE',
        message: `port ${port} on 127.0.0.1 is already in use`,
      });
    } finally {
      blocker.close();
    }
  });
});
