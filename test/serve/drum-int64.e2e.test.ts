// DRUM's /predict/ answers 64-bit integer outputs digit for digit, as the V2 route does: a CSV request to a
// real served INT64 / UINT64 passthrough model, and drumPredictionsText's regression, table and
// extraModelOutput forms. JSON.stringify on Numbers wrote 9007199254740993 as 9007199254740992.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeArtifact, passthrough } from './helpers/artifact.js';
import { serve, type TestServer } from './helpers/server.js';
import { drumPredictionsText, type DrumTarget } from '../../src/serve/drum/predictions.js';

const INT64 = ['-9223372036854775808', '-9007199254740993', '0', '1', '9007199254740993', '9223372036854775807'];
const UINT64 = ['0', '1', '9007199254740992', '9007199254740993', '12345678901234567890', '18446744073709551615'];

let int64: TestServer;
let uint64: TestServer;
beforeAll(async () => {
  int64 = await serve(await makeArtifact(passthrough('INT64'), { name: 'i64' }));
  uint64 = await serve(await makeArtifact(passthrough('UINT64'), { name: 'u64' }));
});
afterAll(async () => {
  await Promise.all([int64?.close(), uint64?.close()]);
});

async function postCsv(url: string, csv: string) {
  const res = await fetch(url, { method: 'POST', body: csv, headers: { 'content-type': 'text/csv' } });
  return { status: res.status, text: await res.text() };
}

const csvOf = (values: string[]) => `${values.slice(0, 3).join(',')}\n${values.slice(3).join(',')}\n`;
const rowsOf = (values: string[]) => `[[${values.slice(0, 3).join(',')}],[${values.slice(3).join(',')}]]`;

describe('DRUM predictions of 64-bit integers', () => {
  it.each([
    ['INT64', INT64, () => int64],
    ['UINT64', UINT64, () => uint64],
  ] as const)('a CSV request answers %s beyond 2^53 exactly', async (_, values, server) => {
    const r = await postCsv(`${server().url}/predict/`, csvOf(values));
    expect(r.status, r.text).toBe(200);
    expect(r.text).toBe(`{"predictions":${rowsOf(values)}}`);
  });

  const target = (targetType: DrumTarget['targetType'], output: string): DrumTarget => ({
    targetType,
    output,
    classNames: null,
    activation: 'none',
  });

  it('writes a regression output and the extraModelOutput table exactly, floats and NaN as JSON.stringify does', () => {
    const ids = { name: 'id', datatype: 'INT64', shape: [2, 1], data: new BigInt64Array([9007199254740993n, -2n]) };
    const big = { name: 'big', datatype: 'UINT64', shape: [2], data: new BigUint64Array([18446744073709551615n, 3n]) };
    const score = { name: 'ood_scores', datatype: 'FP32', shape: [2, 1], data: new Float32Array([0.5, NaN]) };
    const text = drumPredictionsText([ids, big, score], target('regression', 'id'));
    expect(text).toBe(
      '{"predictions":[9007199254740993,-2],"extraModelOutput":' +
        '{"columns":["big","ood_scores"],"index":[0,1],"data":[[18446744073709551615,0.5],[3,null]]}}',
    );
  });

  it('writes a body without 64-bit integers as JSON.stringify does', () => {
    const y = { name: 'y', datatype: 'FP64', shape: [3, 1], data: new Float64Array([0.1, 1e21, -0]) };
    expect(drumPredictionsText([y], target('regression', 'y'))).toBe(JSON.stringify({ predictions: [0.1, 1e21, -0] }));
  });
});
