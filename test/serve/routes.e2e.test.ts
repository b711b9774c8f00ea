// Every route over loopback HTTP, against the digits example model served from a directory artifact.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeArtifact, DIGITS, ROOT } from './helpers/artifact.js';
import { get, postJson, serve } from './helpers/server.js';
import { runDirect } from '../../src/verify/direct-run.js';
import { decodeJsonTensor } from '../../src/tensor/json-codec.js';
import type { RunningServer } from '../../src/serve/server.js';
import type { NamedTensor } from '../../src/tensor/tensor.js';
import { expectValidOip } from '../helpers/open-inference-schema.js';

const sample = JSON.parse(readFileSync(join(ROOT, 'examples/digits/sample.json'), 'utf8'));
let server: RunningServer;
let expected: NamedTensor;

beforeAll(async () => {
  server = await serve(await makeArtifact(DIGITS, { name: 'digits' }));
  const input = sample.inputs[0];
  [expected] = await runDirect(DIGITS, [decodeJsonTensor(input.name, input.datatype, input.shape, input.data)]);
});
afterAll(async () => server.close());

const rows = (flat: ArrayLike<number>, width: number) =>
  Array.from({ length: flat.length / width }, (_, i) => Array.from(flat).slice(i * width, (i + 1) * width));

describe('DRUM routes', () => {
  it('answers liveness on / and /ping', async () => {
    for (const path of ['/', '/ping', '/ping/']) {
      const r = await get(`${server.url}${path}`);
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ message: 'OK' });
    }
  });

  it('reports readiness on /health once the model has loaded and warmed up', async () => {
    const r = await get(`${server.url}/health`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ status: 'ready', model: 'digits' });
  });

  it('answers a V2 request on /predict with the same logits as onnxruntime', async () => {
    const r = await postJson(`${server.url}/predict/`, sample);
    expect(r.status).toBe(200);
    expect(r.json.outputs[0]).toMatchObject({ name: 'logits', datatype: 'FP32', shape: [4, 8] });
    expect(r.json.outputs[0].data.map(Math.fround)).toEqual(Array.from(expected.data as Float32Array));
  });

  it('answers {"instances": [...]} on /predict with one prediction row per instance', async () => {
    const images = sample.inputs[0].data as number[];
    const instances = [0, 1].map((i) => [rows(images.slice(i * 64, (i + 1) * 64), 8)]);
    const r = await postJson(`${server.url}/predict`, { instances });
    expect(r.status).toBe(200);
    expect(r.json.predictions.map((row: number[]) => row.map(Math.fround))).toEqual(
      rows(expected.data as Float32Array, 8).slice(0, 2),
    );
  });

  it('refuses CSV whose rows do not have one column per element of an input row, naming the count', async () => {
    const res = await fetch(`${server.url}/predict`, {
      method: 'POST',
      body: '1,2,3\n',
      headers: { 'content-type': 'text/csv' },
    });
    expect(res.status).toBe(422);
    expect((await res.json()).message).toMatch(/the CSV rows have 3 columns; the model takes 64 \("image" 64\)/);
  });

  it('describes the model on /info: name, version, signature, certainty and ood version', async () => {
    const r = await get(`${server.url}/info`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ name: 'digits', version: '1', state: 'ready', certainty: { ENABLED: false } });
    expect(r.json.signature.inputs[0]).toMatchObject({ name: 'image', datatype: 'FP32', shape: ['batch', 1, 8, 8] });
    expect(r.json.signature.outputs[0]).toMatchObject({ name: 'logits' });
    expect(typeof r.json.ood_version).toBe('string');
  });

  it('counts requests and reports latency percentiles and memory on /stats', async () => {
    await postJson(`${server.url}/predict`, sample);
    const r = await get(`${server.url}/stats`);
    expect(r.status).toBe(200);
    expect(r.json.requests.inferences).toBeGreaterThanOrEqual(1);
    expect(r.json.requests.by_status['200']).toBeGreaterThanOrEqual(1);
    const { p50, p90, p99 } = r.json.latency_ms;
    expect(p50).toBeGreaterThan(0);
    expect(p90).toBeGreaterThanOrEqual(p50);
    expect(p99).toBeGreaterThanOrEqual(p90);
    expect(r.json.memory_mb.rss).toBeGreaterThan(0);
  });

  it('lists protocols and formats on /capabilities', async () => {
    const r = await get(`${server.url}/capabilities`);
    expect(r.status).toBe(200);
    expect(r.json.protocols).toEqual(['drum', 'kserve-v2', 'kserve-v1']);
    // The same list GET /v2 gives, classification included.
    const v2 = await get(`${server.url}/v2`);
    expect(r.json.v2_extensions).toEqual(v2.json.extensions);
    expect(r.json.v2_extensions).toContain('classification');
    expect(r.json.predict_formats).not.toContain('text/csv');
  });
});

describe('KServe V2 routes', () => {
  it('serves server metadata, liveness and readiness', async () => {
    expect((await get(`${server.url}/v2`)).json).toMatchObject({
      name: 'ood',
      extensions: ['binary_tensor_data', 'classification', 'statistics'],
    });
    expect((await get(`${server.url}/v2/health/live`)).status).toBe(200);
    expect((await get(`${server.url}/v2/health/ready`)).status).toBe(200);
  });

  it('serves model metadata with -1 for dynamic dims, with or without the version', async () => {
    for (const path of ['/v2/models/digits', '/v2/models/digits/versions/1']) {
      const r = await get(`${server.url}${path}`);
      expect(r.status).toBe(200);
      expectValidOip('metadata_model_response', r.json);
      expect(r.json).toEqual({
        name: 'digits',
        versions: ['1'],
        platform: 'onnx_onnxv1',
        inputs: [{ name: 'image', datatype: 'FP32', shape: [-1, 1, 8, 8] }],
        outputs: [{ name: 'logits', datatype: 'FP32', shape: [-1, 8] }],
      });
    }
    expect((await get(`${server.url}/v2/models/digits/ready`)).status).toBe(200);
    expect((await get(`${server.url}/v2/models/digits/versions/1/ready`)).status).toBe(200);
  });

  it('answers 404 for another model name or version', async () => {
    const other = await get(`${server.url}/v2/models/cats`);
    expect(other.status).toBe(404);
    expect(other.json.error).toMatch(/"cats" is not served here.*"digits"/);
    const version = await postJson(`${server.url}/v2/models/digits/versions/2/infer`, sample);
    expect(version.status).toBe(404);
    expect(version.json.error).toMatch(/no version "2"/);
  });

  it('infers with nested data too, echoing the request id', async () => {
    const input = sample.inputs[0];
    const nested = rows(input.data, 8); // [32 rows of 8] is still row-major
    const r = await postJson(`${server.url}/v2/models/digits/versions/1/infer`, {
      id: 'req-42',
      inputs: [{ ...input, data: nested }],
    });
    expect(r.status).toBe(200);
    expectValidOip('inference_response', r.json);
    expect(r.json.id).toBe('req-42');
    expect(r.json.model_name).toBe('digits');
    expect(r.json.outputs[0].data.map(Math.fround)).toEqual(Array.from(expected.data as Float32Array));
  });

  it('takes binary input tensors and returns binary outputs bit-identical to onnxruntime', async () => {
    const input = sample.inputs[0];
    const raw = Buffer.from(Float32Array.from(input.data).buffer);
    const header = Buffer.from(
      JSON.stringify({
        inputs: [{ name: 'image', datatype: 'FP32', shape: input.shape, parameters: { binary_data_size: raw.length } }],
        outputs: [{ name: 'logits', parameters: { binary_data: true } }],
      }),
    );
    const res = await fetch(`${server.url}/v2/models/digits/infer`, {
      method: 'POST',
      body: Buffer.concat([header, raw]),
      headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) },
    });
    expect(res.status).toBe(200);
    const body = Buffer.from(await res.arrayBuffer());
    const jsonLength = Number(res.headers.get('inference-header-content-length'));
    const head = JSON.parse(body.subarray(0, jsonLength).toString());
    expect(head.outputs[0]).toEqual({
      name: 'logits',
      datatype: 'FP32',
      shape: [4, 8],
      parameters: { binary_data_size: 128 },
    });
    expect(body.subarray(jsonLength).equals(Buffer.from((expected.data as Float32Array).buffer))).toBe(true);
  });

  it('returns every output as binary when parameters.binary_data_output is true', async () => {
    const res = await fetch(`${server.url}/v2/models/digits/infer`, {
      method: 'POST',
      body: JSON.stringify({ ...sample, parameters: { binary_data_output: true } }),
      headers: { 'content-type': 'application/json' },
    });
    const body = Buffer.from(await res.arrayBuffer());
    const n = Number(res.headers.get('inference-header-content-length'));
    expect(n).toBeGreaterThan(0);
    expect(body.length - n).toBe(4 * 8 * 4);
  });
});

describe('KServe V1 routes', () => {
  it('reports the model and predicts instances', async () => {
    const meta = await get(`${server.url}/v1/models/digits`);
    expect(meta.json).toMatchObject({ name: 'digits', ready: true });
    const images = sample.inputs[0].data as number[];
    const r = await postJson(`${server.url}/v1/models/digits:predict`, { instances: [[rows(images.slice(0, 64), 8)]] });
    expect(r.status).toBe(200);
    expect(r.json.predictions[0].map(Math.fround)).toEqual(Array.from(expected.data as Float32Array).slice(0, 8));
  });

  it('refuses a V2 body sent to V1, pointing at the V2 route', async () => {
    const r = await postJson(`${server.url}/v1/models/digits:predict`, sample);
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/"inputs" holds V2 tensors; POST a V2 request to \/v2\/models\/digits\/infer/);
  });
});

describe('HEAD', () => {
  it('answers like GET without a body', async () => {
    const res = await fetch(`${server.url}/health`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expect(Number(res.headers.get('content-length'))).toBeGreaterThan(0);
  });
});

describe('request ids', () => {
  it('echoes X-Request-ID, and generates one when absent', async () => {
    const echoed = await get(`${server.url}/ping`, { headers: { 'x-request-id': 'abc-123' } });
    expect(echoed.headers.get('x-request-id')).toBe('abc-123');
    const generated = await get(`${server.url}/ping`);
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
