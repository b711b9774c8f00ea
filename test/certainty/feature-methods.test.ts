// Feature-space methods (mahalanobis, knn) on real models through onnxruntime-node: the in-graph score equals
// an independent NumPy computation, the enabled models pass onnx.checker, keep their outputs bit-identical,
// normalize like energy, record their parameters, and work from opset 11 to 26.
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import * as ort from 'onnxruntime-node';
import { enableModel } from '../../src/certainty/enable.js';
import { OnnxModel } from '../../src/onnx/model.js';
import { findFeatures } from '../../src/certainty/features/find-features.js';
import { readFeatureParameters } from '../../src/certainty/features/fit-feature-score.js';
import { evaluateModel } from '../../src/evaluate/evaluate-model.js';
import { fixtures, MLP_OPSETS } from '../helpers/fixtures.js';
import { METHOD_NAMES } from '../../src/certainty/methods/index.js';
import { SYSTEM_PYTHON } from '../helpers/python.js';
import { FIT_ROWS, expectMatchesReference, referenceScores, scoresOf } from './digits-reference.js';
import { expectCheckerPasses, expectWellFormedEnabled, randomFloats, writeNpyF32 } from './harness.js';

const digits = fixtures.digits;
const tmp = mkdtempSync(join(tmpdir(), 'ood-feature-methods-'));

const REFERENCE = `
import json, sys
import numpy as np
d = json.load(sys.stdin)
fit = np.array(d['fit'], dtype=np.float64).reshape(-1, d['dim']); pred = np.array(d['pred'])
q = np.array(d['query'], dtype=np.float64).reshape(-1, d['dim'])
classes = sorted(set(pred.tolist()))
mus = np.stack([fit[pred == c].mean(0) for c in classes])
x = fit - mus[np.searchsorted(classes, pred)]
cov = x.T @ x / len(fit)
cov += d['ridge'] * np.trace(cov) / d['dim'] * np.eye(d['dim'])
p = np.linalg.inv(cov)
maha = -np.min([np.einsum('ij,jk,ik->i', q - m, p, q - m) for m in mus], axis=0)
n = lambda a: a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
stored = min(len(fit), d['maxStored'])
bank = n(fit[[s * len(fit) // stored for s in range(stored)]])
knn = -np.sort(-(n(q) @ bank.T), axis=1)[:, d['k'] - 1]
import onnx
from onnx import numpy_helper
w = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in onnx.load(d['model']).graph.initializer}
flat = np.sort(fit.astype(np.float32).ravel())
clip = float(flat[int(np.ceil(0.9 * len(flat))) - 1])
logits = np.minimum(q, clip) @ w['classifier.weight'].T + w['classifier.bias']
react = np.log(np.exp(logits - logits.max(1, keepdims=True)).sum(1)) + logits.max(1)
print(json.dumps({'mahalanobis': maha.tolist(), 'knn': knn.tolist(), 'react-energy': react.tolist()}))
`;

describe('feature-space methods on the digits classifier', () => {
  const enabled: Record<string, string> = {};
  beforeAll(async () => {
    for (const method of ['mahalanobis', 'knn', 'react-energy']) {
      for (const normalize of ['none', 'cdf'] as const) {
        const out = join(tmp, `${method}-${normalize}.onnx`);
        await enableModel({
          model: digits.model,
          output: out,
          method,
          data: digits.idTrain,
          normalize,
          featureFit: method === 'knn' ? { k: 5, maxStored: 500 } : undefined,
        });
        enabled[`${method}-${normalize}`] = out;
      }
    }
  });

  it('finds the penultimate features as the input of the final Gemm', () => {
    const model = OnnxModel.open(digits.model);
    const found = findFeatures(model, 'logits');
    expect(found).toMatchObject({ name: '/features/features.7/Relu_output_0', via: 'Gemm' });
    expect(found.head!.map((n) => n.opType)).toEqual(['Gemm']);
    model.close();
  });

  it('computes in the graph the same scores as NumPy does from the same features', async () => {
    const reference = await referenceScores(REFERENCE, tmp, { ridge: 1e-6, k: 5, maxStored: 500 });
    for (const method of ['mahalanobis', 'knn', 'react-energy'])
      await expectMatchesReference(enabled[`${method}-none`]!, reference[method]!, method);
  });

  it('passes onnx.checker with full_check and records the fitted parameters in metadata', async () => {
    for (const method of ['mahalanobis', 'knn', 'react-energy']) {
      const path = enabled[`${method}-cdf`]!;
      await expectCheckerPasses(path, 13);
      const model = OnnxModel.open(path);
      const meta = model.metadataMap;
      model.close();
      expect(meta.get('ood.method')).toBe(method);
      expect(meta.get('ood.features')).toBe('/features/features.7/Relu_output_0');
      const expected = {
        knn: { k: 5, stored: 500, dim: 32, samples: FIT_ROWS },
        mahalanobis: { classes: 8, dim: 32, samples: FIT_ROWS, ridge: 1e-6 },
        'react-energy': { clipPercentile: 90, dim: 32, samples: FIT_ROWS },
      }[method];
      expect(readFeatureParameters(meta)).toMatchObject(expected!);
    }
  });

  it('keeps the original outputs bit-identical and normalizes to [0, 1] with median near 0.5 on the fit data', async () => {
    for (const method of ['mahalanobis', 'knn', 'react-energy']) {
      const path = enabled[`${method}-cdf`]!;
      const report = await evaluateModel({
        model: path,
        id: digits.calibration,
        ood: [digits.oodHeldout, digits.oodInverted, digits.oodNoise],
        original: digits.model,
      });
      expect(report.outputs).toMatchObject({
        status: 'identical',
        reference: 'original',
        samplesCompared: 289 + 354 + 289 + 300,
      });
      const fitScores = Array.from(await scoresOf(path, digits.idTrain)).sort((a, b) => a - b);
      expect(fitScores[0]).toBeGreaterThanOrEqual(0);
      expect(fitScores[fitScores.length - 1]).toBeLessThanOrEqual(1);
      expect(Math.abs(fitScores[fitScores.length >> 1]! - 0.5)).toBeLessThan(0.05);
    }
  });

  it('refuses to fit without data, on an unknown feature tensor, and with k larger than the store', async () => {
    const out = join(tmp, 'refused.onnx');
    await expect(enableModel({ model: digits.model, output: out, method: 'mahalanobis' })).rejects.toMatchObject({
      code: 'FEATURE_METHOD_NEEDS_DATA',
      kind: 'usage',
    });
    await expect(
      enableModel({
        model: digits.model,
        output: out,
        method: 'knn',
        data: digits.idTrain,
        features: 'no_such_tensor',
      }),
    ).rejects.toMatchObject({ code: 'FEATURES_NOT_FOUND' });
    await expect(
      enableModel({
        model: digits.model,
        output: out,
        method: 'knn',
        data: digits.idTrain,
        featureFit: { k: 11, maxStored: 10 },
      }),
    ).rejects.toMatchObject({ code: 'KNN_BAD_K' });
    await expect(
      enableModel({ model: digits.model, output: out, method: 'energy', features: 'x' }),
    ).rejects.toMatchObject({ code: 'FEATURES_NEED_FEATURE_METHOD' });
    await expect(
      enableModel({
        model: digits.model,
        output: out,
        method: 'react-energy',
        data: digits.idTrain,
        features: '/features/features.7/Relu_output_0',
      }),
    ).rejects.toMatchObject({ code: 'REACT_NEEDS_HEAD', kind: 'usage' });
  });
});

describe('finding the penultimate features', () => {
  // x [batch, 4] → MatMul → Relu (hidden) → MatMul → Add bias → logits [batch, 3], built with onnx.helper.
  const MATMUL_MODEL = `
import sys, numpy as np, onnx
from onnx import helper, numpy_helper, TensorProto
rng = np.random.default_rng(0)
inits = [numpy_helper.from_array(rng.standard_normal(s).astype(np.float32), n) for n, s in [('w1', (4, 6)), ('w2', (6, 3)), ('b2', (3,))]]
nodes = [helper.make_node('MatMul', ['x', 'w1'], ['h']), helper.make_node('Relu', ['h'], ['hidden']),
         helper.make_node('MatMul', ['hidden', 'w2'], ['z']), helper.make_node('Add', ['z', 'b2'], ['logits'])]
g = helper.make_graph(nodes, 'mm', [helper.make_tensor_value_info('x', TensorProto.FLOAT, ['batch', 4])],
                      [helper.make_tensor_value_info('logits', TensorProto.FLOAT, ['batch', 3])], inits)
m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)]); m.ir_version = 8
onnx.checker.check_model(m); onnx.save(m, sys.argv[1])
`;

  it('walks back through a bias Add to a final MatMul, and knn and react-energy then run on those features', async () => {
    const path = join(tmp, 'matmul.onnx');
    await execa(SYSTEM_PYTHON, ['-c', MATMUL_MODEL, path]);
    const model = OnnxModel.open(path);
    const found = findFeatures(model, 'logits');
    expect(found).toMatchObject({ name: 'hidden', via: 'MatMul' });
    expect(found.head!.map((n) => n.opType)).toEqual(['MatMul', 'Add']);
    model.close();
    const data = join(tmp, 'matmul.npy');
    writeNpyF32(data, [120, 4], randomFloats(480, 3));
    for (const method of ['knn', 'react-energy']) {
      const out = join(tmp, `matmul-${method}.onnx`);
      await enableModel({ model: path, output: out, method, data });
      await expectCheckerPasses(out, 13);
      const report = await evaluateModel({ model: out, id: data, ood: [data], original: path });
      expect(report.outputs.status).toBe('identical');
    }
  });

  it('refuses a model whose logits do not come from a linear layer, and names the fix', () => {
    const model = OnnxModel.open(fixtures.dynamicDims);
    expect(() => findFeatures(model, 'pooled')).toThrow(/not by a final Gemm or MatMul/);
    model.close();
  });
});

describe('feature-space methods across opsets', () => {
  // 200 deterministic samples for the Gemm/Relu/Gemm MLP fixtures, input x [batch, 6].
  const data = join(tmp, 'mlp.npy');
  beforeAll(() => writeNpyF32(data, [200, 6], randomFloats(1200, 7)));

  for (const opset of MLP_OPSETS) {
    it(`enables an opset ${opset} model with every method, well-formed, computing on 0, 1 and 300 rows, outputs unchanged`, async () => {
      for (const method of METHOD_NAMES) {
        const out = join(tmp, `mlp${opset}-${method}.onnx`);
        await enableModel({ model: fixtures.mlp(opset), output: out, method, data });
        expect(expectWellFormedEnabled(fixtures.mlp(opset), out).method).toBe(method);
        await expectCheckerPasses(out, opset);
        const session = await ort.InferenceSession.create(out);
        for (const rows of [0, 1, 300]) {
          const result = await session.run({ x: new ort.Tensor('float32', new Float32Array(rows * 6), [rows, 6]) });
          expect(result.ood_scores!.dims, `${method} on ${rows} rows`).toEqual([rows, 1]);
        }
        await session.release();
        const report = await evaluateModel({ model: out, id: data, ood: [data], original: fixtures.mlp(opset) });
        expect(report.outputs.status).toBe('identical');
        expect(report.ood[0]!.metrics.auroc).toBeCloseTo(0.5, 12);
      }
    });
  }
});
