// The Open Inference Protocol (KServe V2) and Triton's binary-data and classification extensions over loopback
// HTTP, every response body validated against the protocol's own OpenAPI schemas (specs/open_inference_rest.yaml).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeArtifact, DIGITS, ROOT, passthrough } from './helpers/artifact.js';
import { get, postJson, serve } from './helpers/server.js';
import { expectValidOip } from '../helpers/open-inference-schema.js';
import { runDirect } from '../../src/verify/direct-run.js';
import { decodeJsonTensor } from '../../src/tensor/json-codec.js';
import type { RunningServer } from '../../src/serve/server.js';
import type { NamedTensor } from '../../src/tensor/tensor.js';

const MODELS = join(ROOT, 'test/fixtures/models');
const sample = JSON.parse(readFileSync(join(ROOT, 'examples/digits/sample.json'), 'utf8'));
const image = sample.inputs[0];
let digits: RunningServer;
let fp32: RunningServer;
let bytes: RunningServer;
let multi: RunningServer;
let dynamic: RunningServer;
let logits: NamedTensor;

beforeAll(async () => {
  [digits, fp32, bytes, multi, dynamic] = await Promise.all([
    serve(await makeArtifact(DIGITS, { name: 'digits' })),
    serve(await makeArtifact(passthrough('FP32'), { name: 'fp32' })),
    serve(await makeArtifact(passthrough('BYTES'), { name: 'bytes' })),
    serve(await makeArtifact(join(MODELS, 'multi_io.onnx'), { name: 'multi' })),
    serve(await makeArtifact(join(MODELS, 'dynamic_dims.onnx'), { name: 'dyn' })),
  ]);
  [logits] = await runDirect(DIGITS, [decodeJsonTensor(image.name, image.datatype, image.shape, image.data)]);
});
afterAll(async () => {
  await Promise.all([digits, fp32, bytes, multi, dynamic].map((s) => s?.close()));
});

/** POST raw bytes; returns the status, the JSON header and the binary part. */
async function postBinary(url: string, body: Buffer, headerLength: number) {
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(headerLength) },
  });
  const all = Buffer.from(await res.arrayBuffer());
  const n = res.headers.has('inference-header-content-length')
    ? Number(res.headers.get('inference-header-content-length'))
    : all.length;
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    json: JSON.parse(all.subarray(0, n).toString()),
    binary: all.subarray(n),
  };
}

describe('metadata, health and readiness bodies', () => {
  it('match the spec: server metadata lists the extensions, model metadata names an allowed platform', async () => {
    const server = (await get(`${digits.url}/v2`)).json;
    expectValidOip('metadata_server_response', server);
    expect(server.extensions).toEqual(['binary_tensor_data', 'classification', 'statistics']);
    const model = await get(`${digits.url}/v2/models/digits/versions/1`);
    expectValidOip('metadata_model_response', model.json);
    expect(model.json.platform).toBe('onnx_onnxv1');
  });

  it('answer model ready with the model name, as $ready_model_response has it', async () => {
    for (const path of ['/v2/models/digits/ready', '/v2/models/digits/versions/1/ready']) {
      const r = await get(`${digits.url}${path}`);
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ name: 'digits', ready: true });
    }
  });
});

describe('inference responses', () => {
  it('validate against inference_response, JSON and binary alike', async () => {
    const json = await postJson(`${digits.url}/v2/models/digits/infer`, { id: 'r1', ...sample });
    expect(json.status).toBe(200);
    expectValidOip('inference_response', json.json);
    const text = Buffer.from(JSON.stringify({ ...sample, parameters: { binary_data_output: true } }));
    const binary = await postBinary(`${digits.url}/v2/models/digits/infer`, text, text.length);
    expect(binary.status).toBe(200);
    expectValidOip('binary_header', binary.json);
    expect(() => expectValidOip('binary_header', { ...binary.json, outputs: [{ name: 'x' }] })).toThrow();
  });

  it('let a per-output binary_data false override binary_data_output true', async () => {
    const request = {
      parameters: { binary_data_output: true },
      inputs: [
        { name: 'a', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] },
        { name: 'b', datatype: 'INT64', shape: [1, 2], data: [4, 5] },
      ],
      outputs: [{ name: 'logits', parameters: { binary_data: false } }, { name: 'label' }],
    };
    const text = Buffer.from(JSON.stringify(request));
    const r = await postBinary(`${multi.url}/v2/models/multi/infer`, text, text.length);
    expect(r.status).toBe(200);
    expectValidOip('binary_header', r.json);
    const [out, label] = r.json.outputs;
    expect(out).toMatchObject({ name: 'logits', datatype: 'FP32', shape: [1, 4] });
    expect(out.data).toHaveLength(4);
    expect(out.parameters).toBeUndefined();
    expect(label).toEqual({ name: 'label', datatype: 'INT64', shape: [1], parameters: { binary_data_size: 8 } });
    expect(r.binary.length).toBe(8);
  });

  it('refuse an input with both data and binary_data_size, and a non-boolean binary_data', async () => {
    const both = await postJson(`${fp32.url}/v2/models/fp32/infer`, {
      inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3], parameters: { binary_data_size: 12 } }],
    });
    expect(both.status).toBe(400);
    expect(both.json.error).toMatch(/both "data" and parameters.binary_data_size/);
    const flag = await postJson(`${fp32.url}/v2/models/fp32/infer`, {
      inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }],
      outputs: [{ name: 'y', parameters: { binary_data: 'yes' } }],
    });
    expect(flag.status).toBe(400);
    expect(flag.json.error).toMatch(/\/outputs\/0\/parameters\/binary_data must be boolean/);
  });
});

describe('non-finite floats', () => {
  it("read Python json's NaN / Infinity tokens and answer them as strings that tensor_data allows", async () => {
    const body =
      '{"inputs": [{"name": "x", "datatype": "FP32", "shape": [2, 3], "data": [1.5, NaN, Infinity, -Infinity, 0, -2]}]}';
    const r = await postJson(`${fp32.url}/v2/models/fp32/infer`, body);
    expect(r.status, r.text).toBe(200);
    expectValidOip('inference_response', r.json);
    expect(r.text).toContain('"data":[1.5,"NaN","Infinity","-Infinity",0,-2]');
  });

  it('take the answer back as a request (the strings read as the values they name)', async () => {
    const data = [1.5, 'NaN', 'Infinity', '-Infinity', 0, -2];
    const text = Buffer.from(
      JSON.stringify({
        inputs: [{ name: 'x', datatype: 'FP32', shape: [2, 3], data }],
        outputs: [{ name: 'y', parameters: { binary_data: true } }],
      }),
    );
    // The binary extension carries the bits exactly.
    const r = await postBinary(`${fp32.url}/v2/models/fp32/infer`, text, text.length);
    expect(r.status).toBe(200);
    const values = new Float32Array(r.binary.buffer.slice(r.binary.byteOffset, r.binary.byteOffset + r.binary.length));
    expect(Array.from(values)).toEqual([1.5, NaN, Infinity, -Infinity, 0, -2]);
  });

  it('refuse any other spelling, naming the element', async () => {
    const r = await postJson(
      `${fp32.url}/v2/models/fp32/infer`,
      '{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 3], "data": [1, "inf", 2]}]}',
    );
    expect(r.status).toBe(400);
    expect(r.json.error).toBe('input "x": element 1 is "inf", not a valid FP32 value');
    const bare = await postJson(`${fp32.url}/v2/models/fp32/infer`, '{"inputs": [nan]}');
    expect(bare.status).toBe(400);
    expect(bare.json.code).toBe('BAD_JSON');
  });
});

describe('BYTES that onnxruntime cannot carry', () => {
  const url = () => `${bytes.url}/v2/models/bytes/infer`;
  const request = (data: string[]) => ({ inputs: [{ name: 'x', datatype: 'BYTES', shape: [1, 3], data }] });

  it('refuse a NUL or a lone surrogate in JSON with 400, instead of answering an altered string', async () => {
    const nul = await postJson(url(), request(['ok', 'a\u0000b', 'c']));
    expect(nul.status).toBe(400);
    expect(nul.json).toMatchObject({ code: 'BAD_TENSOR_DATA' });
    expect(nul.json.error).toBe(
      `input "x": BYTES element 1 holds a NUL character at offset 1, which onnxruntime's strings cannot carry`,
    );
    const lone = await postJson(url(), JSON.stringify(request(['ok', 'ok', 'x'])).replace('"x"]', '"\\ud800"]'));
    expect(lone.status).toBe(400);
    expect(lone.json.error).toMatch(/BYTES element 2 holds a lone UTF-16 surrogate at offset 0/);
    const fine = await postJson(url(), request(['ok', 'ünï ✓', '💡']));
    expect(fine.json.outputs[0].data).toEqual(['ok', 'ünï ✓', '💡']);
  });

  it('refuse binary elements that are not UTF-8 or hold a NUL', async () => {
    for (const [element, why] of [
      [Buffer.from([0x61, 0xff]), 'BYTES element 0 is not valid UTF-8'],
      [Buffer.from([0x61, 0x00]), 'BYTES element 0 holds a NUL byte at offset 1'],
    ] as const) {
      const one = Buffer.concat([Buffer.from([element.length, 0, 0, 0]), element]);
      const raw = Buffer.concat([one, Buffer.from([1, 0, 0, 0, 0x62]), Buffer.from([1, 0, 0, 0, 0x63])]);
      const head = Buffer.from(
        JSON.stringify({
          inputs: [{ name: 'x', datatype: 'BYTES', shape: [1, 3], parameters: { binary_data_size: raw.length } }],
        }),
      );
      const r = await postBinary(url(), Buffer.concat([head, raw]), head.length);
      expect(r.status).toBe(400);
      expect(r.json.error).toContain(why);
    }
  });
});

describe('raw binary requests (Inference-Header-Content-Length: 0)', () => {
  it('take the whole body as the one input, deduce the batch, and answer every output as binary', async () => {
    const raw = Buffer.from(Float32Array.from(image.data).buffer);
    const r = await postBinary(`${digits.url}/v2/models/digits/infer`, raw, 0);
    expect(r.status).toBe(200);
    expect(r.type).toBe('application/octet-stream');
    expectValidOip('binary_header', r.json);
    expect(r.json.outputs).toEqual([
      { name: 'logits', datatype: 'FP32', shape: [4, 8], parameters: { binary_data_size: 128 } },
    ]);
    expect(r.binary.equals(Buffer.from((logits.data as Float32Array).buffer))).toBe(true);
  });

  it('fix a variable first dimension to 1 when another one is variable too, as Triton treats it as batch 1', async () => {
    const raw = Buffer.from(new Float32Array(5 * 4).fill(1).buffer); // x: [batch, seq, 4] -> [1, 5, 4]
    const r = await postBinary(`${dynamic.url}/v2/models/dyn/infer`, raw, 0);
    expect(r.status).toBe(200);
    expect(r.json.outputs.map((o: { shape: number[] }) => o.shape)).toEqual([
      [1, 5, 3],
      [1, 3],
    ]);
  });

  it('refuse a model with several inputs, and a body that is not whole rows, saying why', async () => {
    const many = await postBinary(`${multi.url}/v2/models/multi/infer`, Buffer.alloc(12), 0);
    expect(many.status).toBe(400);
    expect(many.json).toMatchObject({ code: 'RAW_BINARY_UNSUPPORTED' });
    expect(many.json.error).toBe(
      'a raw binary request (Inference-Header-Content-Length: 0) needs a model with exactly one input; this model takes 2: "a", "b"',
    );
    expectValidOip('inference_error_response', many.json);
    const text = await postBinary(`${bytes.url}/v2/models/bytes/infer`, Buffer.from('hello'), 0);
    expect(text.status).toBe(400);
    expect(text.json.error).toBe(
      'a raw binary request (Inference-Header-Content-Length: 0) of BYTES needs an input of shape [1]; "x" is [batch, 3]',
    );
    const ragged = await postBinary(`${digits.url}/v2/models/digits/infer`, Buffer.alloc(300), 0);
    expect(ragged.status).toBe(400);
    expect(ragged.json.code).toBe('ELEMENT_COUNT_MISMATCH');
    expect(ragged.json.error).toMatch(/whole number of 256-byte slices.*300 bytes/);
  });
});

describe('the classification extension', () => {
  it('answers the top k per row as "value:index" BYTES, highest first, by the output datatype', async () => {
    const r = await postJson(`${digits.url}/v2/models/digits/infer`, {
      ...sample,
      outputs: [{ name: 'logits', parameters: { classification: 3 } }],
    });
    expect(r.status, r.text).toBe(200);
    expectValidOip('inference_response', r.json);
    const out = r.json.outputs[0];
    expect(out).toMatchObject({ name: 'logits', datatype: 'BYTES', shape: [4, 3] });
    const direct = Array.from(logits.data as Float32Array);
    for (let row = 0; row < 4; row++) {
      const want = direct
        .slice(row * 8, row * 8 + 8)
        .map((v, i) => ({ v, i }))
        .sort((a, b) => b.v - a.v)
        .slice(0, 3);
      const got = (out.data as string[]).slice(row * 3, row * 3 + 3).map((s) => s.split(':'));
      expect(got.map(([, i]) => Number(i))).toEqual(want.map((w) => w.i));
      expect(got.map(([v]) => Math.fround(Number(v)))).toEqual(want.map((w) => w.v));
    }
  });

  it('caps the count at the classes a row has, and travels as binary BYTES when asked', async () => {
    const r = await postJson(`${digits.url}/v2/models/digits/infer`, {
      ...sample,
      outputs: [{ name: 'logits', parameters: { classification: 20, binary_data: true } }],
    });
    expect(r.status).toBe(200);
    const head = JSON.parse(r.text.slice(0, Number(r.headers.get('inference-header-content-length'))));
    expect(head.outputs[0]).toMatchObject({ datatype: 'BYTES', shape: [4, 8] });
  });

  it('refuses a count that is not a positive integer, and a BYTES output', async () => {
    const zero = await postJson(`${digits.url}/v2/models/digits/infer`, {
      ...sample,
      outputs: [{ name: 'logits', parameters: { classification: 0 } }],
    });
    expect(zero.status).toBe(400);
    expect(zero.json.error).toMatch(/\/outputs\/0\/parameters\/classification must be a positive integer, got 0/);
    const text = await postJson(`${bytes.url}/v2/models/bytes/infer`, {
      inputs: [{ name: 'x', datatype: 'BYTES', shape: [1, 3], data: ['a', 'b', 'c'] }],
      outputs: [{ name: 'y', parameters: { classification: 1 } }],
    });
    expect(text.status).toBe(400);
    expect(text.json).toMatchObject({
      code: 'CLASSIFICATION_UNSUPPORTED',
      error: 'output "y" is BYTES; classification needs a numeric output',
    });
  });
});
