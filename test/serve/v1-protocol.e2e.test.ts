// KServe V1 / TF-Serving's REST API over loopback HTTP: the row and columnar predict forms, TF-Serving's rule for
// several outputs, {"b64": ...} values, /versions/{v}, status and metadata, KServe's GET /v1/models; and a real
// Python client (requests, json, NumPy) against V1 and V2.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeArtifact, DIGITS, ROOT, passthrough } from './helpers/artifact.js';
import { get, postJson, serve } from './helpers/server.js';
import { missingPython, runPythonCode } from '../helpers/python.js';
import type { RunningServer } from '../../src/serve/server.js';

const sample = JSON.parse(readFileSync(join(ROOT, 'examples/digits/sample.json'), 'utf8'));
const pixels = sample.inputs[0].data as number[];
const image = (i: number) => [Array.from({ length: 8 }, (_, r) => pixels.slice(i * 64 + r * 8, i * 64 + r * 8 + 8))];
let digits: RunningServer;
let multi: RunningServer;
let bytes: RunningServer;
let fp32: RunningServer;

beforeAll(async () => {
  [digits, multi, bytes, fp32] = await Promise.all([
    serve(await makeArtifact(DIGITS, { name: 'digits' })),
    serve(await makeArtifact(join(ROOT, 'test/fixtures/models/multi_io.onnx'), { name: 'multi' })),
    serve(await makeArtifact(passthrough('BYTES'), { name: 'bytes' })),
    serve(await makeArtifact(passthrough('FP32'), { name: 'fp32' })),
  ]);
});
afterAll(async () => {
  await Promise.all([digits, multi, bytes, fp32].map((s) => s?.close()));
});

const a = [
  [1, 2, 3],
  [4, 5, 6],
];
const b = [
  [7, 8],
  [9, 10],
];

describe('predict, row form ("instances")', () => {
  it('answers a one-output model with a list of rows, with or without /versions/{v}', async () => {
    for (const path of ['/v1/models/digits:predict', '/v1/models/digits/versions/1:predict']) {
      const r = await postJson(`${digits.url}${path}`, { instances: [image(0), image(1)] });
      expect(r.status, r.text).toBe(200);
      expect(Object.keys(r.json)).toEqual(['predictions']);
      expect(r.json.predictions).toHaveLength(2);
      expect(r.json.predictions[0]).toHaveLength(8);
    }
    const v2 = await postJson(`${digits.url}/v2/models/digits/infer`, {
      inputs: [{ name: 'image', datatype: 'FP32', shape: [1, 1, 8, 8], data: pixels.slice(0, 64) }],
    });
    const r = await postJson(`${digits.url}/v1/models/digits:predict`, { instances: [image(0)] });
    expect(r.json.predictions[0]).toEqual(v2.json.outputs[0].data);
  });

  it('answers several outputs with one object per row keyed by output name', async () => {
    const r = await postJson(`${multi.url}/v1/models/multi:predict`, {
      instances: [
        { a: a[0], b: b[0] },
        { a: a[1], b: b[1] },
      ],
    });
    expect(r.status, r.text).toBe(200);
    expect(r.json.predictions).toHaveLength(2);
    for (const row of r.json.predictions) {
      expect(Object.keys(row)).toEqual(['logits', 'label']);
      expect(row.logits).toHaveLength(4);
      expect(Number.isInteger(row.label)).toBe(true);
    }
  });

  it('refuses a missing or unknown input in a row, and a ragged tensor', async () => {
    const missing = await postJson(`${multi.url}/v1/models/multi:predict`, { instances: [{ a: a[0] }] });
    expect(missing.status).toBe(400);
    expect(missing.json.error).toBe('instance 0 has no input "b"; the model takes "a", "b"');
    const extra = await postJson(`${multi.url}/v1/models/multi:predict`, { instances: [{ a: a[0], b: b[0], c: 1 }] });
    expect(extra.json).toMatchObject({ code: 'UNKNOWN_INPUT' });
    const ragged = await postJson(`${fp32.url}/v1/models/fp32:predict`, { instances: [[1, 2], [3], [4, 5, 6]] });
    expect(ragged.status).toBe(400);
    expect(ragged.json.error).toBe('/instances[1] has 1 elements where its siblings have 2: the tensor is ragged');
  });
});

describe('predict, columnar form ("inputs")', () => {
  it('takes a map of input name to tensor and answers {"outputs": {name: tensor}}', async () => {
    const r = await postJson(`${multi.url}/v1/models/multi:predict`, { inputs: { a, b } });
    expect(r.status, r.text).toBe(200);
    expect(Object.keys(r.json)).toEqual(['outputs']);
    expect(Object.keys(r.json.outputs)).toEqual(['logits', 'label']);
    expect(r.json.outputs.logits).toHaveLength(2);
    const rows = await postJson(`${multi.url}/v1/models/multi:predict`, {
      instances: [
        { a: a[0], b: b[0] },
        { a: a[1], b: b[1] },
      ],
    });
    expect(rows.json.predictions.map((p: { label: number }) => p.label)).toEqual(r.json.outputs.label);
  });

  it('takes a one-input model its tensor directly, and answers one output as the bare tensor', async () => {
    const r = await postJson(`${digits.url}/v1/models/digits:predict`, { inputs: [image(0), image(1)] });
    expect(r.status, r.text).toBe(200);
    expect(r.json.outputs).toHaveLength(2);
    expect(r.json.outputs[0]).toHaveLength(8);
  });

  it('refuses a body with both forms, with neither, and another signature', async () => {
    const both = await postJson(`${digits.url}/v1/models/digits:predict`, {
      instances: [image(0)],
      inputs: [image(0)],
    });
    expect(both.status).toBe(400);
    expect(both.json.error).toBe(
      'not a valid V1 predict request: it has both "instances" and "inputs"; a request can have either, not both',
    );
    const neither = await postJson(`${digits.url}/v1/models/digits:predict`, { rows: [] });
    expect(neither.json.error).toMatch(/neither "instances" nor "inputs"/);
    const signature = await postJson(`${digits.url}/v1/models/digits:predict`, {
      signature_name: 'classify',
      instances: [image(0)],
    });
    expect(signature.json.error).toMatch(/signature_name "classify" is not served/);
  });
});

describe('binary values and non-finite floats', () => {
  it('decodes {"b64": ...} values of a BYTES input, and refuses them elsewhere', async () => {
    const b64 = (s: string) => ({ b64: Buffer.from(s).toString('base64') });
    const r = await postJson(`${bytes.url}/v1/models/bytes:predict`, {
      instances: [[b64('héllo'), 'plain', b64('')]],
    });
    expect(r.status, r.text).toBe(200);
    expect(r.json.predictions).toEqual([['héllo', 'plain', '']]);
    const notText = await postJson(`${bytes.url}/v1/models/bytes:predict`, {
      instances: [[{ b64: '/w==' }, 'a', 'b']],
    });
    expect(notText.status).toBe(400);
    expect(notText.json.error).toMatch(/b64 bytes are not UTF-8/);
    const wrongType = await postJson(`${fp32.url}/v1/models/fp32:predict`, { instances: [[{ b64: 'AAAA' }, 1, 2]] });
    expect(wrongType.json.error).toBe('/instances[0][0] is a {"b64": ...} value, but input "x" is FP32');
  });

  it('reads and writes the NaN / Infinity tokens, as TF-Serving does', async () => {
    const r = await postJson(`${fp32.url}/v1/models/fp32:predict`, '{"instances": [[NaN, Infinity, -Infinity]]}');
    expect(r.status, r.text).toBe(200);
    expect(r.text).toBe('{"predictions":[[NaN,Infinity,-Infinity]]}');
  });
});

describe('status, metadata and the model list', () => {
  it('lists the model on GET /v1/models, as KServe does', async () => {
    expect((await get(`${digits.url}/v1/models`)).json).toEqual({ models: ['digits'] });
  });

  it("answers model status in TF-Serving's and KServe's words at once", async () => {
    for (const path of ['/v1/models/digits', '/v1/models/digits/versions/1']) {
      const r = await get(`${digits.url}${path}`);
      expect(r.status).toBe(200);
      expect(r.json).toEqual({
        name: 'digits',
        ready: true,
        model_version_status: [{ version: '1', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } }],
      });
    }
    expect((await get(`${digits.url}/v1/models/digits/versions/2`)).status).toBe(404);
  });

  it('describes the signature as a SignatureDefMap under serving_default', async () => {
    const r = await get(`${multi.url}/v1/models/multi/versions/1/metadata`);
    expect(r.status).toBe(200);
    const signature = r.json.metadata.signature_def.signature_def.serving_default;
    expect(r.json.model_spec).toEqual({ name: 'multi', signature_name: '', version: '1' });
    expect(signature.method_name).toBe('tensorflow/serving/predict');
    expect(signature.inputs.b).toEqual({
      dtype: 'DT_INT64',
      tensor_shape: {
        dim: [
          { size: '-1', name: 'batch' },
          { size: '2', name: '' },
        ],
        unknown_rank: false,
      },
      name: 'b',
    });
    expect(Object.keys(signature.outputs)).toEqual(['logits', 'label']);
    expect(signature.outputs.logits.dtype).toBe('DT_FLOAT');
  });
});

describe('a real Python client', () => {
  it.skipIf(missingPython('requests', 'numpy'))(
    "sends NumPy rows with NaN through requests + json's defaults and reads both protocols' answers back",
    async () => {
      const code = `
import json, sys, math
import numpy as np, requests
url = sys.argv[1]
x = np.array([[1.5, float('nan'), float('inf')], [-np.inf, 0.0, -2.0]], dtype=np.float32)
# json.dumps writes NaN / Infinity tokens (allow_nan=True is its default)
v1 = requests.post(url + '/v1/models/fp32:predict', data=json.dumps({'instances': x.tolist()}),
                   headers={'content-type': 'application/json'})
v1.raise_for_status()
rows = np.asarray(v1.json()['predictions'], dtype=np.float32)
v2 = requests.post(url + '/v2/models/fp32/infer', data=json.dumps({'inputs': [
    {'name': 'x', 'datatype': 'FP32', 'shape': list(x.shape), 'data': x.flatten().tolist()}]}))
v2.raise_for_status()
out = v2.json()['outputs'][0]
flat = np.asarray(out['data'], dtype=np.float32).reshape(out['shape'])
print(json.dumps({'v1_same': bool(np.array_equal(rows, x, equal_nan=True)),
                  'v2_same': bool(np.array_equal(flat, x, equal_nan=True)),
                  'v2_data': out['data']}))
`;
      const { stdout } = await runPythonCode(code, [fp32.url]);
      expect(JSON.parse(stdout)).toEqual({
        v1_same: true,
        v2_same: true,
        v2_data: [1.5, 'NaN', 'Infinity', '-Infinity', 0, -2],
      });
    },
  );
});
