// 64-bit integers in JSON bodies beyond 2^53 reach the model digit for digit (JSON.parse alone would round
// 9007199254740993 to ...992 without a word): V2 JSON, V1 rows and columns, DRUM's JSON and CSV. Values a double
// may already have rounded (a float literal, a data file read by JSON.parse) are a 400 naming the input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeArtifact, passthrough } from './helpers/artifact.js';
import { postJson, serve, type TestServer } from './helpers/server.js';
import { decodeJsonTensor } from '../../src/tensor/json-codec.js';
import { decodeCsv } from '../../src/serve/csv.js';
import { fixtures } from '../helpers/fixtures.js';
import { OodError } from '../../src/errors.js';

const INT64 = ['-9223372036854775808', '-9007199254740993', '0', '1', '9007199254740993', '9223372036854775807'];
const UINT64 = ['0', '1', '9007199254740992', '9007199254740993', '12345678901234567890', '18446744073709551615'];

let int64: TestServer;
let uint64: TestServer;
let mixed: TestServer;
beforeAll(async () => {
  int64 = await serve(await makeArtifact(passthrough('INT64'), { name: 'i64' }));
  uint64 = await serve(await makeArtifact(passthrough('UINT64'), { name: 'u64' }));
  mixed = await serve(await makeArtifact(fixtures.multiIo, { name: 'mixed' }));
});
afterAll(async () => {
  await Promise.all([int64?.close(), uint64?.close(), mixed?.close()]);
});

/** A V2 request for the passthrough models' x [batch, 3]; `values` as JSON literals, 3 a row. */
const v2Body = (datatype: string, values: string[]) =>
  `{"inputs":[{"name":"x","datatype":"${datatype}","shape":[${values.length / 3},3],"data":[${values.join(',')}]}]}`;
const rowsOf = (values: string[]) => `[[${values.slice(0, 3).join(',')}],[${values.slice(3).join(',')}]]`;

describe('64-bit integers beyond 2^53 in JSON', () => {
  it.each([
    ['INT64', INT64, () => int64, 'i64'],
    ['UINT64', UINT64, () => uint64, 'u64'],
  ] as const)('V2 JSON: %s round-trips exactly', async (datatype, values, server, name) => {
    const r = await postJson(`${server().url}/v2/models/${name}/infer`, v2Body(datatype, values));
    expect(r.status, r.text).toBe(200);
    expect(r.text).toContain(`"data":[${values.join(',')}]`);
  });

  it('a large body (past any fast path for big arrays) keeps them exact too', async () => {
    // 3000 rows of 19-digit ids: about 180 KiB of JSON.
    const values = Array.from({ length: 9000 }, (_, i) => `${9007199254740993n + BigInt(i) * 1000000007n}`);
    const r = await postJson(`${int64.url}/v2/models/i64/infer`, v2Body('INT64', values));
    expect(r.status, r.text.slice(0, 300)).toBe(200);
    expect(r.text).toContain(`"data":[${values.join(',')}]`);
  });

  it('V1 rows and columns, and DRUM JSON, round-trip INT64 exactly', async () => {
    const list = rowsOf(INT64);
    const rows = await postJson(`${int64.url}/v1/models/i64:predict`, `{"instances":${list}}`);
    expect(rows.status, rows.text).toBe(200);
    expect(rows.text).toBe(`{"predictions":${list}}`);
    const columns = await postJson(`${int64.url}/v1/models/i64:predict`, `{"inputs":${list}}`);
    expect(columns.status, columns.text).toBe(200);
    expect(columns.text).toBe(`{"outputs":${list}}`);
    const drum = await postJson(`${int64.url}/predict`, v2Body('INT64', INT64));
    expect(drum.status, drum.text).toBe(200);
    expect(drum.text).toContain(`"data":[${INT64.join(',')}]`);
  });

  it('DRUM CSV reads a long INT64 cell digit for digit', () => {
    const spec = { name: 'x', datatype: 'INT64', shape: ['batch', 3], order: 0, description: '' };
    const [x] = decodeCsv('9007199254740993,-9223372036854775808,+12\n', [spec]);
    expect(x!.data).toEqual(new BigInt64Array([9007199254740993n, -9223372036854775808n, 12n]));
  });

  it('keeps other inputs of a model with an INT64 input as they were (a long literal in an FP32 input)', async () => {
    const body =
      '{"inputs":[{"name":"a","datatype":"FP32","shape":[1,3],"data":[12345678901234567,0.5,-1]},' +
      '{"name":"b","datatype":"INT64","shape":[1,2],"data":[9007199254740993,-9223372036854775808]}]}';
    const r = await postJson(`${mixed.url}/v2/models/mixed/infer`, body);
    expect(r.status, r.text).toBe(200);
  });

  it('refuses an out-of-range literal, and a float literal a double has rounded, naming the input', async () => {
    const over = await postJson(`${int64.url}/v2/models/i64/infer`, v2Body('INT64', ['9223372036854775808', '0', '0']));
    expect(over.status).toBe(400);
    expect(over.json.error).toBe('input "x": element 0 is 9223372036854775808, not a valid INT64 value');
    const negative = await postJson(
      `${uint64.url}/v2/models/u64/infer`,
      v2Body('UINT64', ['-9007199254740993', '0', '0']),
    );
    expect(negative.status).toBe(400);
    expect(negative.json.error).toMatch(/element 0 is -9007199254740993, not a valid UINT64 value/);
    const float = await postJson(`${int64.url}/v2/models/i64/infer`, v2Body('INT64', ['9.3e18', '0', '0']));
    expect(float.status).toBe(400);
    expect(float.json.error).toMatch(/^input "x": INT64 element 0 is 9300000000000000000, beyond 2\^53/);
    expect(float.json.hint).toMatch(/binary tensor data extension/);
  });

  it('answers a long integer where the envelope wants a small one with a 400, not a 500, in an exactly read body', async () => {
    const body = `{"inputs":[{"name":"x","datatype":"INT64","shape":[1,3],"data":[1,2,9007199254740993]}],"parameters":{"timeout":12345678901234567890}}`;
    const r = await postJson(`${int64.url}/v2/models/i64/infer`, body);
    expect(r.status, r.text).toBe(400);
    expect(r.json.error).toMatch(/timeout must be a non-negative integer.*got 12345678901234567890/);
  });

  it('a decoded file value beyond 2^53 (already a double) is refused, not rounded in silence', () => {
    expect(() => decodeJsonTensor('ids', 'INT64', [1], [2 ** 60])).toThrow(
      expect.objectContaining({
        code: 'BAD_TENSOR_DATA',
        message: expect.stringMatching(/"ids".*beyond 2\^53/),
      }) as OodError,
    );
    expect(decodeJsonTensor('ids', 'INT64', [2], [9007199254740991, -9007199254740991]).data).toEqual(
      new BigInt64Array([9007199254740991n, -9007199254740991n]),
    );
  });
});
