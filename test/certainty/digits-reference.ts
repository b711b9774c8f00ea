// Shared by the method tests that hold an in-graph score to an independent NumPy computation on the digits
// classifier: the enabled model's scores through onnxruntime-node, the penultimate features of a data set, and
// the reference script run on the fit part of enable's own split.
import { execa } from 'execa';
import { expect } from 'vitest';
import * as ort from 'onnxruntime-node';
import { OnnxModel } from '../../src/onnx/model.js';
import { collectFeatures, subsetSample } from '../../src/certainty/features/collect-features.js';
import { FIT_CALIBRATION, splitRows } from '../../src/certainty/split.js';
import { findFeatures, findPreviousLayer } from '../../src/certainty/features/find-features.js';
import { openFeedData } from '../../src/certainty/data/feed-data.js';
import { fixtures } from '../helpers/fixtures.js';
import { SYSTEM_PYTHON } from '../helpers/python.js';

const digits = fixtures.digits;
/** Rows of the digits training split (1154) in the fit part of enable's 70/30 split (per predicted class of n
 * rows, n − round(0.3·n)); pinned so that a change to the split shows here. */
export const FIT_ROWS = 805;

/** One output of a model over a whole data file, in batches of 128, through onnxruntime-node. */
export async function scoresOf(modelPath: string, dataPath: string, output = 'ood_scores'): Promise<Float32Array> {
  const model = OnnxModel.open(modelPath);
  const data = await openFeedData(dataPath, model.info.graph.inputs, 128);
  model.close();
  const session = await ort.InferenceSession.create(modelPath);
  const parts: number[] = [];
  for await (const batch of data.batches())
    parts.push(...((await session.run(batch.feeds))[output]!.data as Float32Array).subarray(0, batch.rows));
  await session.release();
  data.close();
  return Float32Array.from(parts);
}

/**
 * The digits model's penultimate features (the input of its final Gemm) over a data file, and with `previous`
 * also the input of the linear layer before (`sample.previous`).
 */
export async function featuresOf(dataPath: string, tmp: string, previous = false) {
  const model = OnnxModel.open(digits.model);
  const data = await openFeedData(dataPath, model.info.graph.inputs, 128);
  const features = findFeatures(model, 'logits').name;
  const earlier = previous ? findPreviousLayer(model, features) : undefined;
  const sample = await collectFeatures(model, features, 'logits', data, tmp, earlier);
  data.close();
  model.close();
  return sample;
}

/**
 * Run a NumPy reference script on the fit part of enable's split of the training features and on the held-out
 * OOD features. The script reads {fit, pred, query, dim, model, ...extra} on stdin and prints {method: scores}.
 */
export async function referenceScores(
  script: string,
  tmp: string,
  extra: Record<string, unknown> = {},
  previous = false,
): Promise<Record<string, number[]>> {
  // enable fits on the fit part of its seeded split only (the rest calibrates); the reference does the same.
  const [all, query] = await Promise.all([
    featuresOf(digits.idTrain, tmp, previous),
    featuresOf(digits.oodHeldout, tmp, previous),
  ]);
  const fit = subsetSample(all, splitRows(all.predictions, FIT_CALIBRATION).fit);
  expect(fit.count).toBe(FIT_ROWS);
  const input = JSON.stringify({
    fit: Array.from(fit.features),
    pred: Array.from(fit.predictions),
    query: Array.from(query.features),
    dim: fit.dim,
    model: digits.model,
    // With `previous`: the same rows' inputs of the linear layer before the features.
    ...(previous
      ? {
          fit_prev: Array.from(fit.previous!.features),
          query_prev: Array.from(query.previous!.features),
          prev_dim: fit.previous!.dim,
        }
      : {}),
    ...extra,
  });
  return JSON.parse((await execa(SYSTEM_PYTHON, ['-c', script], { input })).stdout) as Record<string, number[]>;
}

/** The in-graph scores of an enabled model on the held-out OOD set agree with the reference to 1e-4 relative. */
export async function expectMatchesReference(enabledModel: string, reference: number[], label: string) {
  const graph = await scoresOf(enabledModel, digits.oodHeldout);
  expect(graph.length, label).toBe(reference.length);
  const scale = Math.max(...reference.map(Math.abs));
  const worst = Math.max(...reference.map((v, i) => Math.abs(v - graph[i]!)));
  expect(worst / scale, label).toBeLessThan(1e-4);
}

/** The tailed in-distribution CDF of docs/enable.md ("Normalization") in NumPy: `cdf(calibration, x)`. */
export const CDF_PY = `
def cdf(cal, x):
    s = np.sort(cal); n = len(s); k = min(101, n)
    knots = []
    for i in range(k):
        p = i / (k - 1); level = ((n - 1) * p + 1) / (n + 1); v = np.float32(np.quantile(s, p))
        if knots and knots[-1][0] == v: knots[-1][2] = level
        else: knots.append([v, level, level])
    kx = np.array([g[0] for g in knots], dtype=np.float64); ky = np.array([(g[1] + g[2]) / 2 for g in knots])
    floor = 1e-4 * max(1, abs(s[0]), abs(s[-1]))
    spread = next(v for v in [(np.quantile(s, .75) - np.quantile(s, .25)) / 1.349, s.std(), floor] if v >= floor)
    y = np.interp(x, kx, ky)
    y = np.where(x < kx[0], ky[0] * spread / (spread + kx[0] - x), y)
    y = np.where(x > kx[-1], 1 - (1 - ky[-1]) * spread / (spread + x - kx[-1]), y)
    return np.clip(y, 0, 1)
`;

/** fDBD (Liu & Qin, ICML 2024) in NumPy, with W and b the head's weights: `fdbd(fit_rows, x)`. */
export const FDBD_PY = `
def fdbd(fitted, x):
    l = x @ W.T + b; c = l.argmax(1)
    num = l[np.arange(len(x)), c][:, None] - l
    den = np.linalg.norm(W[c][:, None, :] - W[None, :, :], axis=2)
    ratio = np.where(np.arange(W.shape[0])[None, :] == c[:, None], 0, num / np.where(den == 0, 1, den))
    return ratio.sum(1) / (W.shape[0] - 1) / np.linalg.norm(x - fitted.mean(0), axis=1)
`;
