// The certainty v2 methods (gen, rmds, vim, scale, ash, fdbd) on the digits classifier through onnxruntime-node:
// the in-graph raw score equals an independent NumPy computation from the same features and the model's own
// weights (read by onnx from the file, not by ood), and every enabled model passes onnx.checker.
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { enableModel } from '../../src/certainty/enable.js';
import { OnnxModel } from '../../src/onnx/model.js';
import { readFeatureParameters } from '../../src/certainty/features/fit-feature-score.js';
import { fixtures } from '../helpers/fixtures.js';
import { FIT_ROWS, expectMatchesReference, referenceScores } from './digits-reference.js';
import { expectCheckerPasses } from './harness.js';

const digits = fixtures.digits;
const tmp = mkdtempSync(join(tmpdir(), 'ood-new-methods-'));
const NEW_METHODS = ['gen', 'rmds', 'vim', 'scale', 'ash', 'fdbd'] as const;

// Each formula as its paper writes it, in float64, from the features and onnx's own reading of the weights.
const REFERENCE = `
import json, sys
import numpy as np
import onnx
from onnx import numpy_helper
d = json.load(sys.stdin)
dim = d['dim']
fit = np.array(d['fit'], dtype=np.float64).reshape(-1, dim); pred = np.array(d['pred'])
q = np.array(d['query'], dtype=np.float64).reshape(-1, dim)
w = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in onnx.load(d['model']).graph.initializer}
W, b = w['classifier.weight'], w['classifier.bias']
lse = lambda l: np.log(np.exp(l - l.max(1, keepdims=True)).sum(1)) + l.max(1)
out = {}
p = np.exp(q @ W.T + b - (q @ W.T + b).max(1, keepdims=True)); p /= p.sum(1, keepdims=True)
out['gen'] = (-(p ** 0.1 * (1 - p) ** 0.1).sum(1)).tolist()
def md(x, mus, cov):
    cov = cov + 1e-6 * np.trace(cov) / dim * np.eye(dim)
    P = np.linalg.inv(cov)
    return np.stack([np.einsum('ij,jk,ik->i', x - m, P, x - m) for m in mus], axis=1)
classes = sorted(set(pred.tolist()))
mus = np.stack([fit[pred == c].mean(0) for c in classes])
xc = fit - mus[np.searchsorted(classes, pred)]
mu0 = fit.mean(0)
rel = md(q, mus, xc.T @ xc / len(fit)) - md(q, [mu0], (fit - mu0).T @ (fit - mu0) / len(fit))
out['rmds'] = (-rel.min(1)).tolist()
u = -np.linalg.pinv(W) @ b
ev, evec = np.linalg.eigh((fit - u).T @ (fit - u) / len(fit))
NS = evec[:, np.argsort(ev)[::-1][dim // 2:]]
alpha = (fit @ W.T + b).max(1).mean() / np.linalg.norm((fit - u) @ NS, axis=1).mean()
out['vim'] = (lse(q @ W.T + b) - alpha * np.linalg.norm((q - u) @ NS, axis=1)).tolist()
def shape(x, pct, prune):
    k = dim - int(np.round(dim * pct / 100.0))
    top = -np.sort(-x, axis=1)[:, :k]
    s1, s2 = x.sum(1), top.sum(1)
    y = np.where(x >= top[:, -1:], x, 0) if prune else x
    return y * np.exp(s1 / s2)[:, None]
out['scale'] = lse(shape(q, 85, False) @ W.T + b).tolist()
out['ash'] = lse(shape(q, 90, True) @ W.T + b).tolist()
l = q @ W.T + b; c = l.argmax(1)
num = l[np.arange(len(q)), c][:, None] - l
den = np.linalg.norm(W[c][:, None, :] - W[None, :, :], axis=2)
ratio = np.where(np.arange(W.shape[0])[None, :] == c[:, None], 0, num / np.where(den == 0, 1, den))
out['fdbd'] = (ratio.sum(1) / (W.shape[0] - 1) / np.linalg.norm(q - fit.mean(0), axis=1)).tolist()
print(json.dumps(out))
`;

describe('the certainty v2 methods on the digits classifier', () => {
  const enabled: Record<string, string> = {};
  beforeAll(async () => {
    for (const method of NEW_METHODS) {
      const out = join(tmp, `${method}.onnx`);
      await enableModel({ model: digits.model, output: out, method, data: digits.idTrain, normalize: 'none' });
      enabled[method] = out;
    }
  });

  it('computes in the graph the scores NumPy computes from the same features and weights', async () => {
    const reference = await referenceScores(REFERENCE, tmp);
    for (const method of NEW_METHODS) await expectMatchesReference(enabled[method]!, reference[method]!, method);
  });

  it('passes onnx.checker with full_check and records the fitted parameters', async () => {
    for (const method of NEW_METHODS) {
      await expectCheckerPasses(enabled[method]!, 13);
      const model = OnnxModel.open(enabled[method]!);
      const meta = model.metadataMap;
      model.close();
      expect(meta.get('ood.method')).toBe(method);
      expect(readFeatureParameters(meta)).toMatchObject(
        method === 'gen' ? { gamma: 0.1, top: 100 } : { dim: 32, samples: FIT_ROWS },
      );
    }
  });
});
