// --data files that are V2 inference requests go through the server's own decoder: nested or flat data and a
// datatype of the same family load, and an element the server would refuse is refused here too, with the
// server's words led by the sample's name, so a request that fails calibration would also fail at the server.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCalibrationData } from '../../src/certainty/data/open-data.js';
import { OnnxModel } from '../../src/onnx/model.js';
import { fixtures } from '../helpers/fixtures.js';
import { tempDir } from './harness.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

const inputs = (() => {
  const model = OnnxModel.open(fixtures.mlp(13)); // one input x: FP32 [batch, 6]
  const graphInputs = model.info.graph.inputs;
  model.close();
  return graphInputs;
})();

function requestFile(name: string, tensor: Record<string, unknown>): string {
  const dir = join(tmp.dir, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'r.json'), JSON.stringify({ inputs: [{ name: 'x', ...tensor }] }));
  return dir;
}

async function firstChunk(dir: string) {
  const data = await openCalibrationData(dir, inputs);
  try {
    for await (const chunk of data.chunks()) return chunk;
    throw new Error('no chunk');
  } finally {
    data.close();
  }
}

describe('V2 request files as calibration data', () => {
  it('load nested FP64 rows as the FP32 the model takes', async () => {
    const rows = [
      [0.1, 1, 2, 3, 4, 5],
      [6, 7, 8, 9, 10, 11],
    ];
    const chunk = await firstChunk(requestFile('nested', { datatype: 'FP64', shape: [2, 6], data: rows }));
    expect(chunk.rows).toBe(2);
    expect(chunk.tensors.x!.datatype).toBe('FP32');
    expect((chunk.tensors.x!.data as Float32Array)[0]).toBe(Math.fround(0.1));
    expect(chunk.sampleName(1)).toBe('r.json[1]');
  });

  it('refuse an element the server would refuse, in the server words, naming the sample', async () => {
    const dir = requestFile('bad-element', { datatype: 'FP32', shape: [1, 6], data: [1, 2, 3, 'a', 5, 6] });
    await expect(openCalibrationData(dir, inputs)).rejects.toMatchObject({
      code: 'DATA_INVALID',
      message: 'sample r.json inputs[0]: input "x": element 3 is "a", not a valid FP32 value',
    });
  });

  it('refuse data whose element count is not the product of the shape', async () => {
    const dir = requestFile('short', { datatype: 'FP32', shape: [2, 6], data: [1, 2, 3] });
    await expect(openCalibrationData(dir, inputs)).rejects.toMatchObject({
      code: 'DATA_INVALID',
      message: 'sample r.json inputs[0]: input "x": shape [2, 6] needs 12 elements, got 3',
    });
  });

  it('refuse a datatype calibration cannot feed', async () => {
    const dir = requestFile('bytes', { datatype: 'BYTES', shape: [1, 6], data: ['a', 'b', 'c', 'd', 'e', 'f'] });
    await expect(openCalibrationData(dir, inputs)).rejects.toMatchObject({
      code: 'DATA_INVALID',
      message: 'sample r.json inputs[0]: input "x" has datatype BYTES, which calibration cannot feed',
    });
  });
});
