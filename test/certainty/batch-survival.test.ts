// "The enabled model runs unchanged on any ONNX server" must hold for every batch the original model accepts:
// every method's enabled (and calibrated) digits model, and two combinations, runs on an empty batch, one row and a batch larger than
// its calibration set and knn's store, in a separate bare onnxruntime-node process that must survive with the
// right shapes. The empty batch used to kill the process (SIGFPE in onnxruntime's TopK) for knn.
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { execa } from 'execa';
import { enableModel } from '../../src/certainty/enable.js';
import { METHOD_NAMES } from '../../src/certainty/methods/index.js';
import { fixtures, repoRoot } from '../helpers/fixtures.js';
import { tempDir } from './harness.js';

const tmp = tempDir('ood-survival-');
const digits = fixtures.digits;
const SIZES = [0, 1, 2000];
/** Every method, and combinations of two that --method auto may choose (one without the head, one with). */
const METHODS = [...METHOD_NAMES, 'knn+rmds', 'knn+fdbd', 'knn+fdbd previous layer'];
const runner = join(repoRoot, 'test', 'helpers', 'run-batch-sizes.mjs');

describe('every method on batches of 0, 1 and 2000 rows in a bare onnxruntime-node process', () => {
  const models: Record<string, string> = {};
  beforeAll(async () => {
    for (const method of METHODS) {
      models[method] = join(tmp.dir, `${method}.onnx`);
      const [name, layer] = method.split(' ');
      await enableModel({
        model: digits.model,
        output: models[method],
        method: name!,
        data: digits.idTrain,
        ...(layer ? { featureFit: { layer: 'previous' as const } } : {}),
      });
    }
  }, 120_000);

  it.each(METHODS)('%s: the process survives and every output has the batch as its first dimension', async (method) => {
    const r = await execa('node', [runner, models[method]!, ...SIZES.map(String)], { reject: false, cwd: repoRoot });
    expect(r.signal, r.stderr).toBeUndefined();
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { batch: number; outputs: Record<string, { dims: number[]; finite: boolean }> });
    expect(lines.map((l) => l.batch)).toEqual(SIZES);
    for (const l of lines) {
      expect(l.outputs.logits!.dims).toEqual([l.batch, 8]);
      expect(l.outputs.ood_scores).toEqual({ dims: [l.batch, 1], finite: true });
    }
  });
});
