// DRUM's payloads without a socket: CSV by header name, Matrix Market, how a body's format is told, and the
// predictions built from a model's outputs (softmax of logits, binary, labels, extraModelOutput).
import { describe, expect, it } from 'vitest';
import type { TensorSpec } from '../../src/artifact/spec.js';
import { decodeCsv, decodeTable } from '../../src/serve/csv.js';
import { matrixMarketTable } from '../../src/serve/drum/matrix-market.js';
import { readDrumPayload } from '../../src/serve/drum/payload.js';
import { drumPredictions, drumTarget } from '../../src/serve/drum/predictions.js';
import type { ServeRequest } from '../../src/serve/http.js';
import type { ModelDescription } from '../../src/serve/served-model.js';

const spec = (name: string, datatype: string, shape: (number | string)[], order = 0): TensorSpec => ({
  name,
  datatype,
  shape,
  order,
  description: '',
});
const values = (t: { data: ArrayLike<unknown> }) => Array.from(t.data);

describe('CSV scoring data', () => {
  const image = [spec('image', 'FP32', ['batch', 1, 2, 2])];

  it('fills an input of any fixed row shape from NAME_i columns, taken by header name in any order', () => {
    const [t] = decodeCsv('id,image_3,image_2,image_1,image_0\n7,4,3,2,1\n8,8,7,6,5\n', image);
    expect(t!.shape).toEqual([2, 1, 2, 2]);
    expect(values(t!)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('takes columns in order when there is no header, or a header that names none of them', () => {
    for (const head of ['', 'a,b,c,d\n', '0,1,2,3\n']) {
      const [t] = decodeCsv(`${head}1,2,3,4\n`, image);
      expect(values(t!), JSON.stringify(head)).toEqual([1, 2, 3, 4]);
    }
  });

  it('fills several inputs, one column per scalar input, and reads BOOL, BYTES and quoted fields', () => {
    const inputs = [
      spec('age', 'INT64', ['batch', 1]),
      spec('city', 'BYTES', ['batch']),
      spec('member', 'BOOL', ['batch', 1]),
    ];
    const [age, city, member] = decodeCsv('member,city,age\ntrue,"Paris, FR",41\n0,Oslo,7\n', inputs);
    expect(values(age!)).toEqual([41n, 7n]);
    expect(values(city!)).toEqual(['Paris, FR', 'Oslo']);
    expect(values(member!).map(Boolean)).toEqual([true, false]);
  });

  it("reads pandas' NA spellings and inf as float values", () => {
    const [t] = decodeCsv('x_0,x_1,x_2,x_3\nNA,,inf,-inf\nNone,nan,1e3,.5\n', [spec('x', 'FP64', ['batch', 4])]);
    expect(values(t!)).toEqual([NaN, NaN, Infinity, -Infinity, NaN, NaN, 1000, 0.5]);
  });

  it("refuses what JavaScript's Number() would take but a CSV number is not (hex, binary, octal)", () => {
    for (const cell of ['0x10', '0b1', '0o7'])
      expect(() => decodeCsv(`x\n${cell}\n`, [spec('x', 'FP32', ['batch', 1])]), cell).toThrow(/is not a FP32 number/);
    expect(values(decodeCsv('x\n 2.5 \n  \n', [spec('x', 'FP32', ['batch', 1])])[0]!)).toEqual([2.5, NaN]);
  });

  it('names what is missing when a header names only some columns, and refuses NA in integer inputs', () => {
    expect(() => decodeCsv('image_0,image_1\n1,2\n', image)).toThrow(
      /names some of the model's columns but not image_2, image_3/,
    );
    expect(() => decodeCsv('a\nNA\n', [spec('a', 'INT32', ['batch', 1])])).toThrow(
      'CSV line 2, column 1: "NA" is not a INT32 number',
    );
    expect(() => decodeCsv('a,b\n', [spec('a', 'FP32', ['batch', 2])])).toThrow(/header but no data rows/);
    expect(() => decodeCsv('1,2\n', [spec('x', 'FP32', ['batch', 'n', 2])])).toThrow(
      /every dimension after the batch must be fixed/,
    );
  });
});

describe('Matrix Market (text/mtx)', () => {
  it('reads a coordinate matrix densely, zeros where no entry is given, with X.colnames as the header', () => {
    const text = '%%MatrixMarket matrix coordinate real general\n% a comment\n2 3 3\n1 1 1.5\n2 3 -2\n1 2 4\n';
    expect(matrixMarketTable(text, undefined)).toEqual([
      ['1.5', '4', '0'],
      ['0', '0', '-2'],
    ]);
    const [t] = decodeTable(matrixMarketTable(text, ['c', 'b', 'a']), [spec('a', 'FP32', ['batch', 1])]);
    expect(values(t!)).toEqual([0, -2]);
  });

  it('reads the array layout column by column, and refuses a bad banner or entry count', () => {
    expect(matrixMarketTable('%%MatrixMarket matrix array integer general\n2 2\n1\n2\n3\n4\n', undefined)).toEqual([
      ['1', '3'],
      ['2', '4'],
    ]);
    expect(() => matrixMarketTable('1,2,3\n', undefined)).toThrow(/banner/);
    expect(() => matrixMarketTable('%%MatrixMarket matrix coordinate real general\n2 2 3\n1 1 1\n', undefined)).toThrow(
      /announces 3 entries, the file has 1/,
    );
  });
});

describe("telling a /predict/ body's format", () => {
  const request = (body: string | Buffer, contentType?: string): ServeRequest => ({
    method: 'POST',
    path: '/predict',
    query: new URLSearchParams(),
    headers: contentType === undefined ? {} : { 'content-type': contentType },
    body: Buffer.from(body),
    requestId: 'r',
    timings: {},
  });

  it('reads CSV whatever the content type, JSON when it says so or starts with "{", Matrix Market for text/mtx', async () => {
    for (const type of [undefined, 'text/csv', 'text/plain', 'application/octet-stream', 'application/x-anything'])
      expect(await readDrumPayload(request('a,b\n1,2\n', type)), type).toEqual({ format: 'csv', text: 'a,b\n1,2\n' });
    expect(await readDrumPayload(request('{"inputs": []}'))).toEqual({ format: 'json' });
    expect(await readDrumPayload(request('\ufeff \n{"instances": []}', 'text/plain'))).toEqual({ format: 'json' });
    expect(await readDrumPayload(request('[1]', 'application/json'))).toEqual({ format: 'json' });
    expect((await readDrumPayload(request('%%MatrixMarket', 'text/mtx; charset=utf-8'))).format).toBe('mtx');
    expect(await readDrumPayload(request(Buffer.from('x\n\xe9\n', 'latin1'), 'text/csv; charset=latin1'))).toEqual({
      format: 'csv',
      text: 'x\n\xe9\n',
    });
  });

  it('takes the X part of a multipart form, as a file or a plain field, and refuses a form without one', async () => {
    const form = (parts: string[]) =>
      request(parts.map((p) => `--B\r\n${p}\r\n`).join('') + '--B--\r\n', 'multipart/form-data; boundary=B');
    const file =
      'Content-Disposition: form-data; name="X"; filename="data.csv"\r\nContent-Type: text/csv\r\n\r\na\n1\n';
    expect(await readDrumPayload(form([file]))).toEqual({ format: 'csv', text: 'a\n1\n' });
    expect(await readDrumPayload(form(['Content-Disposition: form-data; name="X"\r\n\r\na\n2\n']))).toEqual({
      format: 'csv',
      text: 'a\n2\n',
    });
    const mtx = 'Content-Disposition: form-data; name="X"; filename="data.mtx"\r\n\r\n%%MatrixMarket';
    const names = 'Content-Disposition: form-data; name="X.colnames"; filename="cols.txt"\r\n\r\na\nb\n';
    expect(await readDrumPayload(form([mtx, names]))).toEqual({
      format: 'mtx',
      text: '%%MatrixMarket',
      columns: ['a', 'b'],
    });
    await expect(readDrumPayload(form(['Content-Disposition: form-data; name="Y"\r\n\r\n1']))).rejects.toMatchObject({
      code: 'DRUM_NO_DATA',
      httpStatus: 422,
      message: expect.stringContaining('Samples should be provided as'),
    });
    await expect(readDrumPayload(request('', 'text/csv'))).rejects.toMatchObject({ code: 'DRUM_NO_DATA' });
    await expect(readDrumPayload(request('x', 'multipart/form-data'))).rejects.toMatchObject({
      code: 'DRUM_MULTIPART_INVALID',
      httpStatus: 422,
    });
  });
});

describe('DRUM predictions', () => {
  const described = (outputs: TensorSpec[], extra: Partial<ModelDescription> = {}): ModelDescription => ({
    name: 'm',
    version: '1',
    inputs: [],
    outputs,
    runtime: null,
    evaluation: null,
    labels: null,
    ...extra,
  });
  const classifier = (labels: string[] | null, activation: 'none' | 'softmax' | 'sigmoid', classes: number) =>
    described([spec('logits', 'FP32', ['batch', classes]), spec('ood_scores', 'FP32', ['batch', 1], 1)], {
      labels,
      runtime: {
        CLASSIFICATION: { OUTPUT: 'logits', CLASSES: classes, ACTIVATION: activation },
      } as ModelDescription['runtime'],
    });
  const tensor = (name: string, rows: number, data: number[]) => ({
    name,
    datatype: 'FP32',
    shape: [rows, data.length / rows],
    data: Float32Array.from(data),
  });

  it('gives per-label softmax probabilities of logits, and the certainty score as a split table', () => {
    const target = drumTarget(classifier(['cat', 'dog', 'owl'], 'none', 3), 'ood_scores');
    expect(target.targetType).toBe('multiclass');
    const body = drumPredictions(
      [tensor('logits', 2, [0, Math.log(3), 0, 1, 1, 1]), tensor('ood_scores', 2, [0.5, 0.25])],
      target,
    );
    const [first, second] = body.predictions as Record<string, number>[];
    expect(Object.keys(first!)).toEqual(['cat', 'dog', 'owl']);
    expect(first!.cat).toBeCloseTo(0.2, 6);
    expect(first!.dog).toBeCloseTo(0.6, 6);
    expect(second!.owl).toBeCloseTo(1 / 3, 6);
    expect(body.extraModelOutput).toEqual({ columns: ['ood_scores'], index: [0, 1], data: [[0.5], [0.25]] });
  });

  it('passes probabilities through when the graph ends in Softmax, keys by class index without labels', () => {
    const target = drumTarget(classifier(null, 'softmax', 3), 'ood_scores');
    const body = drumPredictions([tensor('logits', 1, [0.5, 0.25, 0.25])], target);
    expect(body.predictions).toEqual([{ 0: 0.5, 1: 0.25, 2: 0.25 }]);
    expect(body.extraModelOutput).toBeUndefined();
  });

  it('turns a one-column binary logit into {negative, positive} with a sigmoid', () => {
    const target = drumTarget(classifier(['no', 'yes'], 'none', 1), undefined);
    expect(target.targetType).toBe('binary');
    const [row] = drumPredictions([tensor('logits', 1, [0])], target).predictions as Record<string, number>[];
    expect(row).toEqual({ no: 0.5, yes: 0.5 });
  });

  it('answers regression as numbers and other models as rows, with the other outputs as extra columns', () => {
    const regression = drumTarget(
      described([spec('y', 'FP32', ['batch', 1]), spec('z', 'FP32', ['batch', 2], 1)]),
      undefined,
    );
    expect(regression.targetType).toBe('regression');
    expect(drumPredictions([tensor('y', 2, [1.5, 2.5]), tensor('z', 2, [1, 2, 3, 4])], regression)).toEqual({
      predictions: [1.5, 2.5],
      extraModelOutput: {
        columns: ['z_0', 'z_1'],
        index: [0, 1],
        data: [
          [1, 2],
          [3, 4],
        ],
      },
    });
    const rows = drumTarget(described([spec('y', 'FP32', ['batch', 2])]), undefined);
    expect(drumPredictions([tensor('y', 2, [1, 2, 3, 4])], rows)).toEqual({
      predictions: [
        [1, 2],
        [3, 4],
      ],
    });
  });
});
