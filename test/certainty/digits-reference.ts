// Shared by the method tests that hold an in-graph score to an independent NumPy computation on the digits
// classifier: the enabled model's scores through onnxruntime-node, the penultimate features of a data set, and
// the reference script run on the fit part of enable's own split.
import { execa } from 'execa';
import { expect } from 'vitest';
import * as ort from 'onnxruntime-node';
import { OnnxModel } from '../../src/onnx/model.js';
import { collectFeatures, subsetSample } from '../../src/certainty/features/collect-features.js';
import { FIT_CALIBRATION, splitRows } from '../../src/certainty/split.js';
import { findFeatures } from '../../src/certainty/features/find-features.js';
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

/** The digits model's penultimate features (the input of its final Gemm) over a data file. */
export async function featuresOf(dataPath: string, tmp: string) {
  const model = OnnxModel.open(digits.model);
  const data = await openFeedData(dataPath, model.info.graph.inputs, 128);
  const sample = await collectFeatures(model, findFeatures(model, 'logits').name, 'logits', data, tmp);
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
): Promise<Record<string, number[]>> {
  // enable fits on the fit part of its seeded split only (the rest calibrates); the reference does the same.
  const [all, query] = await Promise.all([featuresOf(digits.idTrain, tmp), featuresOf(digits.oodHeldout, tmp)]);
  const fit = subsetSample(all, splitRows(all.predictions, FIT_CALIBRATION).fit);
  expect(fit.count).toBe(FIT_ROWS);
  const input = JSON.stringify({
    fit: Array.from(fit.features),
    pred: Array.from(fit.predictions),
    query: Array.from(query.features),
    dim: fit.dim,
    model: digits.model,
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
