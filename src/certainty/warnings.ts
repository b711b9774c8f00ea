// Warnings that tell the truth about a calibration: each check looks at what enable actually saw (the fit and
// calibration rows, the raw scores, the logits, the image options) and says what is wrong and what to do. They
// are printed by `ood enable` and recorded in the metadata (ood.warnings), so a reviewer of the artifact sees
// them too. None stops enable: the model is still valid ONNX; the score may just be worth little.
import type { ImageOptions } from './data/images.js';

/** What the checks look at. */
export interface CalibrationFacts {
  method: string;
  /** Rows the method was fitted on, and the feature width (feature methods only). */
  fitRows?: number;
  featureDim?: number;
  /** knn: features stored in the graph and k. */
  knnStored?: number;
  knnK?: number;
  /** Raw scores of the calibration rows. */
  rawScores?: ArrayLike<number>;
  /** Logits of the calibration rows, row-major, and the class count. */
  logits?: Float32Array;
  classes?: number;
  image?: ImageOptions;
}

const COVARIANCE_METHODS = new Set(['mahalanobis', 'rmds', 'vim']);

/** Every warning that applies, in a stable order. */
export function calibrationWarnings(f: CalibrationFacts): string[] {
  return [...sampleSize(f), ...constantScore(f), ...imageScale(f), ...probabilities(f), ...confidence(f)];
}

function sampleSize(f: CalibrationFacts): string[] {
  const out: string[] = [];
  if (COVARIANCE_METHODS.has(f.method) && f.fitRows !== undefined && f.featureDim !== undefined) {
    if (f.fitRows <= f.featureDim)
      out.push(
        `${f.method} was fitted on ${f.fitRows} samples for ${f.featureDim} feature dimensions: the covariance has rank at most ${f.fitRows - 1}, so only the ridge keeps it invertible and the distances are unreliable; pass at least ${5 * f.featureDim} samples with --data`,
      );
    else if (f.fitRows < 5 * f.featureDim)
      out.push(
        `${f.method} was fitted on ${f.fitRows} samples for ${f.featureDim} feature dimensions (fewer than 5 per dimension); the covariance estimate is noisy, pass more samples with --data`,
      );
  }
  if (f.method === 'knn' && f.knnStored !== undefined && f.knnK !== undefined && f.knnStored < 20 * f.knnK)
    out.push(
      `knn stores only ${f.knnStored} features for k = ${f.knnK}; the k-th neighbour distance of so small a bank is noisy, pass more samples with --data or lower --knn-k`,
    );
  return out;
}

function constantScore(f: CalibrationFacts): string[] {
  const s = f.rawScores;
  if (!s || s.length < 2) return [];
  let lo = Infinity;
  let hi = -Infinity;
  const distinct = new Set<number>();
  for (let i = 0; i < s.length; i++) {
    lo = Math.min(lo, s[i]!);
    hi = Math.max(hi, s[i]!);
    if (distinct.size < 3) distinct.add(s[i]!);
  }
  if (hi === lo)
    return [
      `every calibration sample has the same raw score (${lo}): the score cannot tell inputs apart (an untrained or zero-initialised head does this); check the model and its preprocessing`,
    ];
  if (distinct.size < 3 || (hi - lo) / Math.max(1, Math.abs(lo), Math.abs(hi)) < 1e-5)
    return [
      `the raw score is nearly constant on the calibration data (from ${lo} to ${hi}): the normalised score will carry little information; check the model and its preprocessing`,
    ];
  return [];
}

function imageScale(f: CalibrationFacts): string[] {
  const out: string[] = [];
  const mean = f.image?.mean;
  const std = f.image?.std;
  if (mean?.some((m) => m > 1))
    out.push(
      `--mean ${mean.join(',')} looks like the 0-255 scale, but ood reads pixels as [0, 1] before normalising; divide it by 255 (e.g. 0.485,0.456,0.406)`,
    );
  if (std?.some((s) => s > 1))
    out.push(
      `--std ${std.join(',')} looks like the 0-255 scale, but ood reads pixels as [0, 1] before normalising; divide it by 255 (e.g. 0.229,0.224,0.225)`,
    );
  return out;
}

function rowStats(f: CalibrationFacts): { rows: number; probabilityRows: number; logProbabilityRows: number } {
  const { logits, classes } = f;
  if (!logits || !classes) return { rows: 0, probabilityRows: 0, logProbabilityRows: 0 };
  const rows = logits.length / classes;
  let probabilityRows = 0;
  let logProbabilityRows = 0;
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    let expSum = 0;
    let inUnit = true;
    for (let c = 0; c < classes; c++) {
      const v = logits[r * classes + c]!;
      if (v < 0 || v > 1) inUnit = false;
      sum += v;
      expSum += Math.exp(v);
    }
    if (inUnit && Math.abs(sum - 1) < 1e-3) probabilityRows++;
    if (Math.abs(expSum - 1) < 1e-3) logProbabilityRows++;
  }
  return { rows, probabilityRows, logProbabilityRows };
}

function probabilities(f: CalibrationFacts): string[] {
  const { rows, probabilityRows, logProbabilityRows } = rowStats(f);
  if (rows === 0) return [];
  const logitMethod = !['msp'].includes(f.method);
  if (probabilityRows >= 0.99 * rows && logitMethod)
    return [
      `the scored output looks like probabilities (every row in [0, 1], summing to 1), not logits; ${f.method} assumes logits, so export the model without its final softmax (or pass --logits with the pre-softmax output)`,
    ];
  // Only energy suffers: its logsumexp of log-probabilities is log 1 = 0 on every row. Softmax is shift-invariant,
  // so msp and gen score log-softmax(z) exactly as they score z.
  if (logProbabilityRows >= 0.99 * rows && f.method === 'energy')
    return [
      `the scored output looks like log-probabilities (every row's logsumexp is 0), so ${f.method} is nearly constant; export the model without its final log-softmax`,
    ];
  return [];
}

function confidence(f: CalibrationFacts): string[] {
  const { logits, classes } = f;
  if (!logits || !classes || classes < 2) return [];
  const rows = logits.length / classes;
  const msp: number[] = [];
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[r * classes + c]!);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[r * classes + c]! - max);
    msp.push(1 / sum);
  }
  msp.sort((a, b) => a - b);
  const median = msp[msp.length >> 1]!;
  const chance = 1 / classes;
  if ((median - chance) / (1 - chance) < 0.15)
    return [
      `the model classifies the calibration data with very low confidence (median top softmax probability ${median.toFixed(3)}, chance is ${chance.toFixed(3)}): the data may not be in-distribution or its preprocessing (--mean, --std, --image-size, --layout) may not match training`,
    ];
  return [];
}
