// Every KServe V2 datatype onnxruntime-node supports, through an Identity model per datatype, as JSON (flat and
// nested) and as binary tensors, over loopback HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeArtifact, passthrough } from './helpers/artifact.js';
import { postJson, serve } from './helpers/server.js';
import { fromHalfBits, toHalfBits } from '../../src/onnx/float16.js';
import { decodeJsonTensor } from '../../src/tensor/json-codec.js';
import { encodeBinaryTensor } from '../../src/tensor/binary-codec.js';
import type { RunningServer } from '../../src/serve/server.js';

/** Six values per datatype (shape [2, 3]) including each type's extremes. */
const VALUES: Record<string, unknown[]> = {
  BOOL: [true, false, true, true, false, false],
  UINT8: [0, 1, 127, 128, 254, 255],
  INT8: [-128, -1, 0, 1, 64, 127],
  UINT16: [0, 1, 255, 256, 65534, 65535],
  INT16: [-32768, -1, 0, 1, 1000, 32767],
  UINT32: [0, 1, 65536, 2147483648, 4294967294, 4294967295],
  INT32: [-2147483648, -1, 0, 1, 65536, 2147483647],
  UINT64: [0, 1, 4294967296, 2 ** 40, 2 ** 52, 9007199254740991],
  INT64: [-9007199254740991, -1, 0, 1, 2 ** 40, 9007199254740991],
  FP16: [0, -2, 0.5, 1.5, 65504, 0.333],
  FP32: [0, -1.5, 3.140000104904175, 1e-30, -3.4028234663852886e38, 123456.7890625],
  FP64: [0, -1.5, Math.PI, 1e-300, -1.7976931348623157e308, 5e-324],
  BYTES: ['', 'a', 'héllo', 'ünïcødé ✓', 'with "quotes"', 'x'.repeat(100)],
};

/** What the response must carry for each value (JSON text of the data array). */
function expectedText(dtype: string, values: unknown[]): string {
  if (dtype === 'FP16') return `[${values.map((v) => fromHalfBits(toHalfBits(v as number))).join(',')}]`;
  if (dtype === 'BYTES') return JSON.stringify(values);
  if (dtype === 'FP32') return `[${values.map((v) => Math.fround(v as number)).join(',')}]`;
  return `[${values.map((v) => String(v)).join(',')}]`;
}

const servers = new Map<string, RunningServer>();
beforeAll(async () => {
  for (const dtype of Object.keys(VALUES))
    servers.set(dtype, await serve(await makeArtifact(passthrough(dtype), { name: `id-${dtype.toLowerCase()}` })));
});
afterAll(async () => {
  for (const s of servers.values()) await s.close();
});

describe.each(Object.keys(VALUES))('datatype %s through an Identity model', (dtype) => {
  const values = VALUES[dtype]!;
  const url = () => `${servers.get(dtype)!.url}/v2/models/id-${dtype.toLowerCase()}/infer`;

  it('round-trips flat JSON data exactly', async () => {
    const r = await postJson(url(), { inputs: [{ name: 'x', datatype: dtype, shape: [2, 3], data: values }] });
    expect(r.status, r.text).toBe(200);
    const output = JSON.parse(r.text).outputs[0];
    expect(output).toMatchObject({ name: 'y', datatype: dtype, shape: [2, 3] });
    expect(r.text).toContain(`"data":${expectedText(dtype, values)}`);
  });

  it('accepts nested JSON data', async () => {
    const r = await postJson(url(), {
      inputs: [{ name: 'x', datatype: dtype, shape: [2, 3], data: [values.slice(0, 3), values.slice(3)] }],
    });
    expect(r.status, r.text).toBe(200);
    expect(r.text).toContain(`"data":${expectedText(dtype, values)}`);
  });

  it('round-trips binary tensors byte for byte', async () => {
    const tensor = decodeJsonTensor('x', dtype, [2, 3], values);
    const raw = encodeBinaryTensor(tensor);
    const header = Buffer.from(
      JSON.stringify({
        inputs: [{ name: 'x', datatype: dtype, shape: [2, 3], parameters: { binary_data_size: raw.length } }],
        parameters: { binary_data_output: true },
      }),
    );
    const res = await fetch(url(), {
      method: 'POST',
      body: Buffer.concat([header, raw]),
      headers: { 'inference-header-content-length': String(header.length), 'content-type': 'application/octet-stream' },
    });
    const body = Buffer.from(await res.arrayBuffer());
    expect(res.status, body.toString()).toBe(200);
    const n = Number(res.headers.get('inference-header-content-length'));
    const head = JSON.parse(body.subarray(0, n).toString());
    expect(head.outputs[0]).toMatchObject({
      name: 'y',
      datatype: dtype,
      shape: [2, 3],
      parameters: { binary_data_size: raw.length },
    });
    expect(body.subarray(n).equals(raw)).toBe(true);
  });

  it('refuses the wrong datatype, naming the input, the expected and the received type', async () => {
    const other = dtype === 'FP32' ? 'FP64' : 'FP32';
    const r = await postJson(url(), {
      inputs: [{ name: 'x', datatype: other, shape: [2, 3], data: [0, 0, 0, 0, 0, 0] }],
    });
    expect(r.status).toBe(400);
    expect(r.json.error).toBe(`input "x": expected datatype ${dtype}, got ${other}`);
  });
});

describe('64-bit integers beyond 2^53', () => {
  it('come back digit for digit in JSON when sent as binary tensors', async () => {
    for (const [dtype, values] of [
      ['INT64', [-(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n + 1n]],
      ['UINT64', [2n ** 64n - 1n, 2n ** 53n + 1n, 0n]],
    ] as const) {
      const raw = Buffer.from((dtype === 'INT64' ? BigInt64Array : BigUint64Array).from(values as bigint[]).buffer);
      const header = Buffer.from(
        JSON.stringify({
          inputs: [{ name: 'x', datatype: dtype, shape: [1, 3], parameters: { binary_data_size: raw.length } }],
        }),
      );
      const res = await fetch(`${servers.get(dtype)!.url}/v2/models/id-${dtype.toLowerCase()}/infer`, {
        method: 'POST',
        body: Buffer.concat([header, raw]),
        headers: { 'inference-header-content-length': String(header.length) },
      });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain(`"data":[${values.join(',')}]`);
    }
  });
});

describe('values a datatype cannot hold', () => {
  it.each([
    ['UINT8', 256],
    ['INT8', -129],
    ['INT32', 1.5],
    ['UINT64', -1],
    ['BOOL', 'yes'],
    ['FP32', 'nan'],
    ['BYTES', 7],
  ])('%s refuses %j with a 400 that names the element', async (dtype, bad) => {
    const values = [...VALUES[dtype]!];
    values[4] = bad;
    const r = await postJson(`${servers.get(dtype)!.url}/v2/models/id-${dtype.toLowerCase()}/infer`, {
      inputs: [{ name: 'x', datatype: dtype, shape: [2, 3], data: values }],
    });
    expect(r.status).toBe(400);
    expect(r.json.error).toBe(`input "x": element 4 is ${JSON.stringify(bad)}, not a valid ${dtype} value`);
  });
});
