// A combination of two feature methods (`knn+fdbd`, which `--method auto` may choose): the in-graph raw score
// equals an independent NumPy computation of log F_knn(s_knn) + log F_fdbd(s_fdbd), each part fitted on 75% of
// enable's fit rows and its CDF (quantile knots, Weibull levels, hyperbolic tails) estimated on the other 25%;
// the original outputs stay bit-identical, and the model passes onnx.checker.
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { enableModel } from '../../src/certainty/enable.js';
import { OnnxModel } from '../../src/onnx/model.js';
import { subsetSample } from '../../src/certainty/features/collect-features.js';
import { FIT_CALIBRATION, splitRows } from '../../src/certainty/split.js';
import { readFeatureParameters } from '../../src/certainty/features/fit-feature-score.js';
import { COMBINATION_LEVEL_SHARE, COMBINATION_SEED } from '../../src/certainty/methods/combined.js';
import { findFeatureMethod } from '../../src/certainty/methods/index.js';
import { fixtures } from '../helpers/fixtures.js';
import { readNpy } from '../helpers/npy.js';
import { expectCheckerPasses, expectOriginalOutputsIdentical, tempDir } from './harness.js';
import { CDF_PY, FDBD_PY, FIT_ROWS, expectMatchesReference, featuresOf, referenceScores } from './digits-reference.js';

const digits = fixtures.digits;
const tmp = tempDir('ood-combined-');

// knn (k = 10, every part row stored, cosine) and fdbd as their papers write them, the tailed CDF as
// docs/enable.md describes it, in float64 from the features and onnx's own reading of the weights.
const REFERENCE = `
import json, sys
import numpy as np
import onnx
from onnx import numpy_helper
d = json.load(sys.stdin)
dim = d['dim']
fit = np.array(d['fit'], dtype=np.float64).reshape(-1, dim)
part, levels = fit[d['part']], fit[d['levels']]
q = np.array(d['query'], dtype=np.float64).reshape(-1, dim)
w = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in onnx.load(d['model']).graph.initializer}
W, b = w['classifier.weight'], w['classifier.bias']
unit = lambda x: x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
def knn(x):
    return -np.sort(-(unit(x) @ unit(part).T), axis=1)[:, 9]
${FDBD_PY}
${CDF_PY}
score = sum(np.log(np.maximum(cdf(f(levels), f(q)), 1e-30)) for f in (knn, lambda x: fdbd(part, x)))
print(json.dumps({'knn+fdbd': score.tolist()}))
`;

describe('knn+fdbd, a combination of two feature methods', () => {
  const out = join(tmp.dir, 'knn+fdbd.onnx');
  beforeAll(async () => {
    await enableModel({
      model: digits.model,
      output: out,
      method: 'knn+fdbd',
      data: digits.idTrain,
      normalize: 'none',
    });
  }, 120_000);

  it('computes in the graph the sum of log CDF levels NumPy computes from the same features and weights', async () => {
    // The parts' own 75/25 split of enable's fit rows, as combined.ts cuts it.
    const all = await featuresOf(digits.idTrain, tmp.dir);
    const fit = subsetSample(all, splitRows(all.predictions, FIT_CALIBRATION).fit);
    const inner = splitRows(
      fit.predictions,
      { fit: 1 - COMBINATION_LEVEL_SHARE, calibration: COMBINATION_LEVEL_SHARE, validation: 0 },
      COMBINATION_SEED,
    );
    const reference = (
      await referenceScores(REFERENCE, tmp.dir, { part: Array.from(inner.fit), levels: Array.from(inner.calibration) })
    )['knn+fdbd']!;
    await expectMatchesReference(out, reference, 'knn+fdbd');
    // The sum spans several units: a test whose scores were all equal could not fail.
    expect(Math.max(...reference) - Math.min(...reference)).toBeGreaterThan(1);
  });

  it('leaves the logits bit-identical, passes onnx.checker and records both parts and the rows each saw', async () => {
    const test = readNpy(digits.oodHeldout);
    await expectOriginalOutputsIdentical(digits.model, out, {
      image: new ort.Tensor('float32', test.data as Float32Array, test.shape),
    });
    await expectCheckerPasses(out, 13);
    const model = OnnxModel.open(out);
    const meta = model.metadataMap;
    model.close();
    expect(meta.get('ood.method')).toBe('knn+fdbd');
    const p = readFeatureParameters(meta)!;
    expect(p).toMatchObject({ combination: 'log CDF sum', 'knn.k': 10, 'fdbd.classes': 8 });
    expect((p.fitRows as number) + (p.levelRows as number)).toBe(FIT_ROWS);
    expect(p['knn.samples']).toBe(p.fitRows);
  });

  it('names only pairs of two different feature methods as combinations', () => {
    expect(findFeatureMethod('knn+rmds')?.name).toBe('knn+rmds');
    expect(findFeatureMethod('knn+knn')).toBeUndefined();
    expect(findFeatureMethod('knn+energy')).toBeUndefined();
    expect(findFeatureMethod('knn+fdbd+vim')).toBeUndefined();
  });
});
