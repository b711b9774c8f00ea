// The protocol handlers as plain functions, without sockets: a request object in, {status, headers, body} out.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeArtifact, DIGITS, ROOT } from './helpers/artifact.js';
import { ModelHost } from '../../src/serve/model-host.js';
import { ServeService } from '../../src/serve/service.js';
import { createRouter } from '../../src/serve/router.js';
import { drumRoutes } from '../../src/serve/protocols/drum.js';
import { v1Routes } from '../../src/serve/protocols/v1.js';
import { v2Routes } from '../../src/serve/protocols/v2.js';
import { normalizePath, type ServeRequest } from '../../src/serve/http.js';

let dir: string;
const sample = JSON.parse(await readFile(join(ROOT, 'examples/digits/sample.json'), 'utf8'));

beforeAll(async () => {
  dir = await makeArtifact(DIGITS, { name: 'digits' });
});

function routerFor(host: ModelHost) {
  const service = new ServeService(host, { maxBody: 1 << 20 });
  return createRouter([...drumRoutes(service), ...v2Routes(service), ...v1Routes(service)]);
}

function request(method: string, url: string, body: unknown = '', headers: Record<string, string> = {}): ServeRequest {
  const { path, query } = normalizePath(url);
  return {
    method,
    path,
    query,
    headers,
    body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
    requestId: 'test',
  };
}

describe('protocol handlers without a socket', () => {
  it('say "loading" (503) on /health and refuse inference before the model has loaded', async () => {
    const host = new ModelHost(dir);
    await host.describe();
    const route = routerFor(host);
    const health = (await route(request('GET', '/health'))).response;
    expect(health.status).toBe(503);
    expect(JSON.parse(String(health.body))).toMatchObject({ status: 'loading' });
    const infer = (await route(request('POST', '/v2/models/digits/infer', sample))).response;
    expect(infer.status).toBe(503);
    expect(JSON.parse(String(infer.body)).code).toBe('MODEL_LOADING');
    expect((await route(request('GET', '/ping'))).response.status).toBe(200);
  });

  it('answer an inference once loaded, marking it as an inference for /stats', async () => {
    const host = new ModelHost(dir);
    await host.load();
    expect(host.state).toBe('ready');
    const route = routerFor(host);
    const { response, inference } = await route(request('POST', '/v2/models/digits/infer', { id: 'x1', ...sample }));
    expect(inference).toBe(true);
    expect(response.status).toBe(200);
    expect(response.headers).toEqual({ 'content-type': 'application/json' });
    const body = JSON.parse(String(response.body));
    expect(body).toMatchObject({ model_name: 'digits', model_version: '1', id: 'x1' });
    expect(body.outputs[0].shape).toEqual([4, 8]);
  });

  it('turn unknown paths into 404 and wrong methods into 405 with Allow', async () => {
    const route = routerFor(new ModelHost(dir));
    const missing = (await route(request('GET', '/nope?x=1'))).response;
    expect(missing.status).toBe(404);
    expect(JSON.parse(String(missing.body)).error).toBe('no route /nope');
    const wrong = (await route(request('PUT', '/v2/models/digits/infer'))).response;
    expect(wrong.status).toBe(405);
    expect(wrong.headers?.allow).toBe('POST');
  });

  it('hand --threads to score.mjs as onnxruntime session options', async () => {
    const score = `export async function load(dir, { ort, sessionOptions }) {
      if (sessionOptions?.intraOpNumThreads !== 1) throw new Error('got ' + JSON.stringify(sessionOptions));
      return { ort, session: await ort.InferenceSession.create(dir + '/model.onnx', sessionOptions) };
    }
    export async function predict({ ort, session }, request) {
      const t = request.inputs[0];
      const out = await session.run({ [t.name]: new ort.Tensor('float32', t.data, t.shape) });
      return { outputs: Object.entries(out).map(([name, v]) => ({ name, datatype: 'FP32', shape: v.dims, data: v.data })) };
    }`;
    const custom = await makeArtifact(DIGITS, { name: 'digits', score });
    const withThreads = new ModelHost(custom, () => {}, { intraOpNumThreads: 1 });
    await withThreads.load();
    expect(withThreads.state).toBe('ready');
    const without = new ModelHost(custom);
    await without.load();
    expect(without.loadError?.message).toMatch(/got undefined/);
  });

  it('record a failed load with its reason and keep answering /health with 513', async () => {
    const host = new ModelHost(join(ROOT, 'test/fixtures')); // no runtime.yaml, no schemas, no score.mjs
    await host.load();
    expect(host.state).toBe('failed');
    expect(host.loadError?.message).toMatch(/cannot read input_schema.json/);
    const health = (await routerFor(host)(request('GET', '/health'))).response;
    expect(health.status).toBe(513);
    expect(JSON.parse(String(health.body)).error).toMatch(/input_schema.json/);
  });
});
