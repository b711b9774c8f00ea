// One benchmark prepared as `ood enable --method auto` prepares its data, for the benches that replay auto's
// choice (certainty-auto.mjs, certainty-near-trial.mjs): features collected once per set, the fit / calibration /
// validation split of the seed, the branch source and feature context every candidate is fitted and scored with,
// auto's candidate list, and the benchmark's own ID test and OOD sets.
import { basename } from 'node:path';
import { OnnxModel } from '../dist/src/onnx/model.js';
import { planStrip } from '../dist/src/certainty/strip.js';
import { chooseLogits } from '../dist/src/certainty/logits.js';
import { findFeatures, findPreviousLayer } from '../dist/src/certainty/features/find-features.js';
import { readLinearHead } from '../dist/src/certainty/features/linear-head.js';
import { openFeedData } from '../dist/src/certainty/data/feed-data.js';
import { collectFeatures, subsetSample } from '../dist/src/certainty/features/collect-features.js';
import { splitRows, FIT_CALIBRATION_VALIDATION } from '../dist/src/certainty/split.js';
import { listCandidates } from '../dist/src/certainty/auto/candidates.js';
import { scoreBranch } from '../dist/src/certainty/auto/branch-scores.js';

/** Features, logits (and the previous layer's features) of every row of one .npy set, in batches of 32. */
async function collectSet(model, features, logits, path, previous, work) {
  const data = await openFeedData(path, model.info.graph.inputs, 32, undefined);
  try {
    return await collectFeatures(model, features, logits, data, work, previous);
  } finally {
    data.close();
  }
}

/** `bench` (certainty-benchmarks.mjs) split with `seed`; the caller closes `model`. Scratch files go to `work`. */
export async function prepareBenchmark(bench, seed, work) {
  const model = OnnxModel.open(bench.model);
  const strip = planStrip(model);
  const logits = chooseLogits(strip.outputs).name;
  const features = findFeatures(model, logits);
  const previous = findPreviousLayer(model, features.name);
  const collect = (path) => collectSet(model, features.name, logits, path, previous, work);
  const sample = await collect(bench.fit);
  const split = splitRows(sample.predictions, FIT_CALIBRATION_VALIDATION, seed);
  const fit = subsetSample(sample, split.fit);
  const linearHead = await readLinearHead(model, features.head, features.name, sample.dim, work);
  const source = {
    model,
    opset: model.defaultOpset,
    used: strip.used,
    logits,
    features: features.name,
    previous,
    head: features.head,
    workDir: work,
  };
  const scoreRows = async (m, rows) => (await scoreBranch(source, m, 1, [rows])).scores[0];
  const context = {
    features: features.name,
    logits,
    head: features.head,
    linearHead,
    scoreRows,
    previousFeatures: previous,
  };
  const request = { model, features: features.name, previous, logits, batchSize: 32, workDir: work, seed };
  const idTest = await collect(bench.id);
  const oodTest = [];
  for (const path of bench.ood) oodTest.push({ name: basename(path, '.npy'), outputs: await collect(path) });
  const candidates = listCandidates({
    features: true,
    head: true,
    dim: fit.dim,
    fitRows: fit.count,
    previous: previous !== undefined,
  });
  return {
    model,
    previous,
    sample,
    split,
    fit,
    validation: subsetSample(sample, split.validation),
    calibration: subsetSample(sample, split.calibration),
    source,
    context,
    request,
    idTest,
    oodTest,
    candidates,
  };
}
