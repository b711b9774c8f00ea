// The protocol handlers as plain functions, without sockets and without an artifact: a request object in,
// {status, headers, body} out, against a fake ServedModel.
import { describe, expect, it } from 'vitest';
import { ServeService } from '../../src/serve/service.js';
import { createRouter } from '../../src/serve/router.js';
import { drumRoutes } from '../../src/serve/protocols/drum.js';
import { v1Routes } from '../../src/serve/protocols/v1.js';
import { v2Routes } from '../../src/serve/protocols/v2.js';
import { normalizePath, type ServeRequest } from '../../src/serve/http.js';
import type { ServedModel } from '../../src/serve/served-model.js';
import { fakeModel } from './fake-model.js';

function routerFor(model: ServedModel) {
  const service = new ServeService(model, { maxBody: 1 << 20 });
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
    timings: {},
  };
}

const x = { name: 'x', datatype: 'FP32', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] };

describe('protocol handlers without a socket', () => {
  it('say "loading" (503) on /health and refuse inference before the model has loaded', async () => {
    const model = fakeModel('loading');
    const route = routerFor(model);
    const health = (await route(request('GET', '/health'))).response;
    expect(health.status).toBe(503);
    expect(JSON.parse(String(health.body))).toMatchObject({ status: 'loading' });
    const infer = (await route(request('POST', '/v2/models/double/infer', { inputs: [x] }))).response;
    expect(infer.status).toBe(503);
    expect(JSON.parse(String(infer.body)).code).toBe('MODEL_LOADING');
    expect((await route(request('GET', '/ping'))).response.status).toBe(200);
    expect(model.seen).toHaveLength(0);
  });

  it('say "not ready" with the model name on V2 model ready and V1 model status while loading', async () => {
    const route = routerFor(fakeModel('loading'));
    const v2 = (await route(request('GET', '/v2/models/double/ready'))).response;
    expect(v2.status).toBe(503);
    expect(JSON.parse(String(v2.body))).toMatchObject({ name: 'double', ready: false, code: 'MODEL_LOADING' });
    const v1 = (await route(request('GET', '/v1/models/double/versions/3'))).response;
    expect(v1.status).toBe(503);
    expect(JSON.parse(String(v1.body))).toMatchObject({
      name: 'double',
      ready: false,
      model_version_status: [{ version: '3', state: 'LOADING' }],
    });
  });

  it('answer a V2 inference once loaded, marking it as an inference for /stats', async () => {
    const model = fakeModel();
    const route = routerFor(model);
    const { response, inference } = await route(request('POST', '/v2/models/double/infer', { id: 'x1', inputs: [x] }));
    expect(inference).toBe(true);
    expect(response.status).toBe(200);
    expect(response.headers).toEqual({ 'content-type': 'application/json' });
    expect(JSON.parse(String(response.body))).toEqual({
      model_name: 'double',
      model_version: '3',
      id: 'x1',
      outputs: [{ name: 'y', datatype: 'FP32', shape: [2, 3], data: [2, 4, 6, 8, 10, 12] }],
    });
    expect(Array.from(model.seen[0]!.inputs[0]!.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('answer V1 and DRUM instances with predictions, from the same model', async () => {
    const route = routerFor(fakeModel());
    const v1 = (await route(request('POST', '/v1/models/double:predict', { instances: [[1, 2, 3]] }))).response;
    expect(JSON.parse(String(v1.body))).toEqual({ predictions: [[2, 4, 6]] });
    const drum = (await route(request('POST', '/predict/', { instances: [[0, 0.5, 1]] }))).response;
    expect(JSON.parse(String(drum.body))).toEqual({ predictions: [[0, 1, 2]] });
  });

  it("name V2 classifications with the artifact's labels, for the output its CLASSIFICATION record names", async () => {
    const model = fakeModel();
    const described = {
      ...model,
      description: {
        ...model.description,
        labels: ['cat', 'dog', 'eel'],
        runtime: { CLASSIFICATION: { OUTPUT: 'y', CLASSES: 3, ACTIVATION: 'none' } },
      },
    } as unknown as ServedModel;
    const route = routerFor(described);
    const body = { inputs: [x], outputs: [{ name: 'y', parameters: { classification: 2 } }] };
    const r = (await route(request('POST', '/v2/models/double/infer', body))).response;
    expect(r.status).toBe(200);
    // y = 2x: rows [2, 4, 6] and [8, 10, 12], so the top two of each row are indices 2 then 1.
    expect(JSON.parse(String(r.body)).outputs[0]).toEqual({
      name: 'y',
      datatype: 'BYTES',
      shape: [2, 2],
      data: ['6:2:eel', '4:1:dog', '12:2:eel', '10:1:dog'],
    });
    const other = {
      ...described,
      description: { ...described.description, runtime: { CLASSIFICATION: { OUTPUT: 'logits' } } },
    } as unknown as ServedModel;
    const unlabelled = (await routerFor(other)(request('POST', '/v2/models/double/infer', body))).response;
    expect(JSON.parse(String(unlabelled.body)).outputs[0].data).toEqual(['6:2', '4:1', '12:2', '10:1']);
  });

  it('reject a request that does not fit the signature without running the model', async () => {
    const model = fakeModel();
    const route = routerFor(model);
    const wrong = { inputs: [{ ...x, shape: [2, 4], data: [1, 2, 3, 4, 5, 6, 7, 8] }] };
    const r = (await route(request('POST', '/v2/models/double/infer', wrong))).response;
    expect(r.status).toBe(400);
    expect(JSON.parse(String(r.body))).toMatchObject({
      code: 'SHAPE_MISMATCH',
      error: 'input "x": expected shape [batch, 3], got [2, 4]',
    });
    expect(model.seen).toHaveLength(0);
  });

  it('404 a model name that is not served, naming the one that is', async () => {
    const r = (await routerFor(fakeModel())(request('POST', '/v2/models/triple/infer', { inputs: [x] }))).response;
    expect(r.status).toBe(404);
    expect(JSON.parse(String(r.body)).error).toBe('model "triple" is not served here; this server serves "double"');
  });

  it('turn unknown paths into 404 and wrong methods into 405 with Allow', async () => {
    const route = routerFor(fakeModel());
    const missing = (await route(request('GET', '/nope?x=1'))).response;
    expect(missing.status).toBe(404);
    expect(JSON.parse(String(missing.body)).error).toBe('no route /nope');
    const wrong = (await route(request('PUT', '/v2/models/double/infer'))).response;
    expect(wrong.status).toBe(405);
    expect(wrong.headers?.allow).toBe('POST');
  });
});
