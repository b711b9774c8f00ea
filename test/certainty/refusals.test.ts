// What enable refuses, and that a refusal writes nothing; and that --force replaces an earlier enablement
// exactly (no duplicated nodes, same bytes as enabling the original).
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { enableModel } from '../../src/certainty/enable.js';
import { OodError } from '../../src/errors.js';
import { OnnxModel } from '../../src/onnx/model.js';
import { fixtures } from '../helpers/fixtures.js';
import { randomFloats, tempDir, writeNpyF32 } from './harness.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

async function refusal(options: Parameters<typeof enableModel>[0]): Promise<OodError> {
  const before = readdirSync(tmp.dir).sort();
  const err = await enableModel(options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OodError);
  expect(readdirSync(tmp.dir).sort(), 'a refusal writes nothing').toEqual(before);
  return err as OodError;
}

describe('enable refuses, writing nothing', () => {
  it('a model with no float [batch, classes] output, naming the outputs it has', async () => {
    const err = await refusal({ model: fixtures.notAClassifier, output: join(tmp.dir, 'x.onnx') });
    expect(err.code).toBe('NO_LOGITS');
    expect(err.message).toContain('y (FP32 [batch, 4, 4])');
    expect(err.exitCode).toBe(3);
  });

  it('an ambiguous choice of logits, listing the candidates in the message and the details', async () => {
    const err = await refusal({ model: fixtures.twoLogits, output: join(tmp.dir, 'x.onnx') });
    expect(err.code).toBe('LOGITS_AMBIGUOUS');
    expect(err.message).toContain('logits_a, logits_b');
    expect(err.details).toEqual({ candidates: ['logits_a', 'logits_b'] });
    expect(err.hint).toContain('--logits');
  });

  it('--logits naming an output that does not exist or is not float', async () => {
    expect((await refusal({ model: fixtures.twoLogits, output: join(tmp.dir, 'x.onnx'), logits: 'nope' })).code).toBe(
      'LOGITS_NOT_FOUND',
    );
    expect((await refusal({ model: fixtures.multiIo, output: join(tmp.dir, 'x.onnx'), logits: 'label' })).code).toBe(
      'LOGITS_NOT_FLOAT',
    );
  });

  it('a model that is already enabled, unless --force', async () => {
    const once = join(tmp.dir, 'once.onnx');
    await enableModel({ model: fixtures.mlp(13), output: once });
    const err = await refusal({ model: once, output: join(tmp.dir, 'twice.onnx') });
    expect(err.code).toBe('ALREADY_ENABLED');
  });

  it('an existing output file, unless --force', async () => {
    const existing = join(tmp.dir, 'existing.onnx');
    writeFileSync(existing, 'keep me');
    const err = await refusal({ model: fixtures.mlp(13), output: existing });
    expect(err.code).toBe('OUTPUT_EXISTS');
    expect(readFileSync(existing, 'utf8')).toBe('keep me');
  });

  it('a score output name the model already uses', async () => {
    const err = await refusal({
      model: fixtures.twoLogits,
      output: join(tmp.dir, 'x.onnx'),
      logits: 'logits_a',
      outputName: 'logits_b',
    });
    expect(err.code).toBe('OUTPUT_NAME_TAKEN');
  });

  it('data whose shape does not match the input, naming the sample and the mismatch', async () => {
    const data = join(tmp.dir, 'data-wrong');
    mkdirSync(data);
    writeNpyF32(join(data, 'wide.npy'), [4, 7], randomFloats(28));
    const err = await refusal({ model: fixtures.mlp(13), output: join(tmp.dir, 'x.onnx'), data });
    expect(err.code).toBe('DATA_MISMATCH');
    expect(err.message).toBe(
      'sample wide.npy: input "x" has shape [4, 7]; the model expects [batch, 6] (dimension 1 is 7, not 6)',
    );
    expect(err.details).toMatchObject({ sample: 'wide.npy', input: 'x' });
  });

  it('a V2 request with a wrong datatype or a missing input, naming the file', async () => {
    const dir = join(tmp.dir, 'requests-bad');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'a.json'),
      JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 6], data: [1, 2, 3, 4, 5, 6] }] }),
    );
    writeFileSync(
      join(dir, 'b.json'),
      JSON.stringify({ inputs: [{ name: 'x', datatype: 'INT64', shape: [1, 6], data: [1, 2, 3, 4, 5, 6] }] }),
    );
    const typeErr = await refusal({ model: fixtures.mlp(13), output: join(tmp.dir, 'x.onnx'), data: dir });
    expect(typeErr.message).toBe('sample b.json: input "x" has element type int64; the model expects float32');
    writeFileSync(
      join(dir, 'b.json'),
      JSON.stringify({ inputs: [{ name: 'a', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }] }),
    );
    const missing = await refusal({
      model: fixtures.multiIo,
      output: join(tmp.dir, 'x.onnx'),
      data: join(dir, 'b.json'),
    });
    expect(missing.message).toBe('sample b.json: input "b" is missing');
  });

  it('data on which the model scores NaN, naming the sample', async () => {
    const values = randomFloats(60, 4);
    values[3 * 6 + 2] = Number.NaN;
    const data = join(tmp.dir, 'nan.npy');
    writeNpyF32(data, [10, 6], values);
    const err = await refusal({ model: fixtures.mlp(13), output: join(tmp.dir, 'x.onnx'), data, batchSize: 4 });
    expect(err.code).toBe('CALIBRATION_NONFINITE');
    expect(err.message).toBe("sample nan.npy[3]: the model's score is NaN");
    await import('node:fs').then((fs) => fs.rmSync(data));
  });

  it('--normalize without data, and a temperature for maxlogit, as usage errors', async () => {
    const a = await refusal({ model: fixtures.mlp(13), output: join(tmp.dir, 'x.onnx'), normalize: 'cdf' });
    expect([a.code, a.exitCode]).toEqual(['NORMALIZE_NEEDS_DATA', 2]);
    const b = await refusal({
      model: fixtures.mlp(13),
      output: join(tmp.dir, 'x.onnx'),
      method: 'maxlogit',
      temperature: 2,
    });
    expect(b.code).toBe('BAD_TEMPERATURE');
  });
});

describe('--force on an enabled model', () => {
  it('gives the same bytes as enabling the original, with no duplicated nodes, outputs or metadata', async () => {
    const data = join(tmp.dir, 'calib.npy');
    writeNpyF32(data, [64, 6], randomFloats(384, 3));
    const first = join(tmp.dir, 'first.onnx');
    const other = join(tmp.dir, 'other.onnx');
    const again = join(tmp.dir, 'again.onnx');
    await enableModel({ model: fixtures.mlp(18), output: first, data });
    await enableModel({
      model: first,
      output: other,
      force: true,
      method: 'msp',
      outputName: 'certainty',
      data,
      normalize: 'percentile',
    });
    const result = await enableModel({ model: other, output: again, force: true, data });
    expect(result.removed.outputs).toBe(1);
    expect(readFileSync(again).equals(readFileSync(first))).toBe(true);
    const m = OnnxModel.open(other);
    expect(m.info.graph.outputs.map((o) => o.name)).toEqual(['logits', 'certainty']);
    expect(m.info.metadata.filter((e) => e.key === 'ood.method').map((e) => e.value)).toEqual(['msp']);
    m.close();
  });

  it('may replace the model in place', async () => {
    const path = join(tmp.dir, 'inplace.onnx');
    copyFileSync(fixtures.mlp(13), path);
    await enableModel({ model: path, output: path, force: true });
    await enableModel({ model: path, output: path, force: true, method: 'maxlogit' });
    const m = OnnxModel.open(path);
    expect(m.info.graph.nodes.filter((n) => n.name.startsWith('ood/')).map((n) => n.opType)).toEqual(['ReduceMax']);
    m.close();
    expect(existsSync(path)).toBe(true);
  });
});
