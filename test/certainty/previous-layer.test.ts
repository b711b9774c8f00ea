// knn on the layer before the penultimate features (`--knn-layer previous`; for the digits CNN the flattened
// convolutional map, 256 features), alone and combined with fdbd on the penultimate features: the
// in-graph raw scores equal an independent NumPy computation from the same rows and onnx's own reading of the
// weights; the models pass onnx.checker, keep the logits bit-identical and record which tensor knn reads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { enableModel } from '../../src/certainty/enable.js';
import { OnnxModel } from '../../src/onnx/model.js';
import { subsetSample } from '../../src/certainty/features/collect-features.js';
import { findFeatures, findPreviousLayer } from '../../src/certainty/features/find-features.js';
import { FIT_CALIBRATION, splitRows } from '../../src/certainty/split.js';
import { readFeatureParameters } from '../../src/certainty/features/fit-feature-score.js';
import { COMBINATION_LEVEL_SHARE, COMBINATION_SEED } from '../../src/certainty/methods/combined.js';
import { fixtures } from '../helpers/fixtures.js';
import { readNpy } from '../helpers/npy.js';
import { expectCheckerPasses, expectOriginalOutputsIdentical, randomFloats, tempDir, writeNpyF32 } from './harness.js';
import { CDF_PY, FDBD_PY, expectMatchesReference, featuresOf, referenceScores } from './digits-reference.js';

const digits = fixtures.digits;
const tmp = tempDir('ood-previous-layer-');
afterAll(tmp.cleanup);
const PREVIOUS = '/features/features.5/Flatten_output_0';

// knn (cosine, k-th largest similarity over the stored rows: every fit row, 805 < 1024) on the previous layer's
// rows after the signed square root; fdbd on the penultimate ones; the combination as combined.ts defines it, with the tailed CDF.
const REFERENCE = `
import json, sys
import numpy as np
import onnx
from onnx import numpy_helper
d = json.load(sys.stdin)
dim, pdim = d['dim'], d['prev_dim']
fit = np.array(d['fit'], dtype=np.float64).reshape(-1, dim)
q = np.array(d['query'], dtype=np.float64).reshape(-1, dim)
fitp = np.array(d['fit_prev'], dtype=np.float64).reshape(-1, pdim)
qp = np.array(d['query_prev'], dtype=np.float64).reshape(-1, pdim)
w = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in onnx.load(d['model']).graph.initializer}
W, b = w['classifier.weight'], w['classifier.bias']
unit = lambda x: x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
root = lambda x: np.sign(x) * np.sqrt(np.abs(x))
def knn(bank, x, k):
    return -np.sort(-(unit(root(x)) @ unit(root(bank)).T), axis=1)[:, k - 1]
${FDBD_PY}
${CDF_PY}
part, levels = d['part'], d['levels']
combined = np.log(np.maximum(cdf(knn(fitp[part], fitp[levels], 1), knn(fitp[part], qp, 1)), 1e-30)) \\
    + np.log(np.maximum(cdf(fdbd(fit[part], fit[levels]), fdbd(fit[part], q)), 1e-30))
print(json.dumps({'knn': knn(fitp, qp, 10).tolist(), 'knn+fdbd': combined.tolist()}))
`;

describe('knn on the previous layer', () => {
  const single = join(tmp.dir, 'knn-previous.onnx');
  const combined = join(tmp.dir, 'knn-previous+fdbd.onnx');
  let reference: Record<string, number[]>;
  beforeAll(async () => {
    await enableModel({
      model: digits.model,
      output: single,
      method: 'knn',
      data: digits.idTrain,
      normalize: 'none',
      featureFit: { layer: 'previous' },
    });
    await enableModel({
      model: digits.model,
      output: combined,
      method: 'knn+fdbd',
      data: digits.idTrain,
      normalize: 'none',
      featureFit: { k: 1, layer: 'previous' },
    });
    // The parts' own 75/25 split of enable's fit rows, as combined.ts cuts it.
    const all = await featuresOf(digits.idTrain, tmp.dir);
    const fit = subsetSample(all, splitRows(all.predictions, FIT_CALIBRATION).fit);
    const inner = splitRows(
      fit.predictions,
      { fit: 1 - COMBINATION_LEVEL_SHARE, calibration: COMBINATION_LEVEL_SHARE, validation: 0 },
      COMBINATION_SEED,
    );
    reference = await referenceScores(
      REFERENCE,
      tmp.dir,
      { part: Array.from(inner.fit), levels: Array.from(inner.calibration) },
      true,
    );
  }, 120_000);

  it('finds the flattened convolutional map of the digits CNN, and no such layer in a one-hidden-layer MLP on its input', () => {
    const model = OnnxModel.open(digits.model);
    expect(findPreviousLayer(model, findFeatures(model, 'logits').name)).toBe(PREVIOUS);
    model.close();
    const mlp = OnnxModel.open(fixtures.mlp(13));
    expect(findPreviousLayer(mlp, findFeatures(mlp, 'logits').name)).toBeUndefined();
    mlp.close();
  });

  it('computes in the graph the scores NumPy computes from the same rows, alone and combined with fdbd', async () => {
    await expectMatchesReference(single, reference.knn!, 'knn previous layer');
    await expectMatchesReference(combined, reference['knn+fdbd']!, 'knn previous layer + fdbd');
    // Scores that spread (rooted rows' cosines lie closer together, 0.033 here), by far more than the 1e-4
    // tolerance: a reference whose values were all equal could not tell a wrong graph.
    expect(Math.max(...reference.knn!) - Math.min(...reference.knn!)).toBeGreaterThan(0.02);
  });

  it('leaves the logits bit-identical, passes onnx.checker and records the tensor knn reads', async () => {
    const test = readNpy(digits.oodHeldout);
    for (const path of [single, combined]) {
      await expectOriginalOutputsIdentical(digits.model, path, {
        image: new ort.Tensor('float32', test.data as Float32Array, test.shape),
      });
      await expectCheckerPasses(path, 13);
    }
    const model = OnnxModel.open(single);
    const p = readFeatureParameters(model.metadataMap)!;
    model.close();
    expect(p).toMatchObject({
      k: 10,
      layer: 'previous',
      layerFeatures: PREVIOUS,
      dim: 256,
      transform: 'signed square root',
    });
  });

  it('refuses on a model without a layer before the features, naming what to do', async () => {
    const data = join(tmp.dir, 'mlp.npy');
    writeNpyF32(data, [60, 6], randomFloats(360, 5));
    await expect(
      enableModel({
        model: fixtures.mlp(13),
        output: join(tmp.dir, 'mlp.onnx'),
        method: 'knn',
        data,
        featureFit: { layer: 'previous' },
      }),
    ).rejects.toMatchObject({ code: 'FEATURES_NOT_FOUND' });
  });
});
