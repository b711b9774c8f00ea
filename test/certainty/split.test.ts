// The split that keeps calibration honest: fit, calibration and validation rows are disjoint, cover the data,
// keep each predicted class's proportion, and depend only on the seed; and enable really fits and calibrates on
// different rows, for every fitted method, combination and auto's pick (a kNN bank never scores its own rows at
// calibration time; a covariance or subspace never calibrates on the rows it was estimated from).
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { execa } from 'execa';
import { enableModel, type EnableOptions } from '../../src/certainty/enable.js';
import { OnnxModel } from '../../src/onnx/model.js';
import { readCertaintyRecord } from '../../src/certainty/metadata.js';
import { FIT_CALIBRATION, FIT_CALIBRATION_VALIDATION, splitRows } from '../../src/certainty/split.js';
import { fixtures } from '../helpers/fixtures.js';
import { readNpy } from '../helpers/npy.js';
import { SYSTEM_PYTHON, missingPython } from '../helpers/python.js';
import { tempDir } from './harness.js';

const tmp = tempDir('ood-split-');

function labels(counts: number[]): Int32Array {
  return Int32Array.from(counts.flatMap((n, c) => Array<number>(n).fill(c)));
}

describe('splitRows', () => {
  it('gives disjoint parts that cover every row, in each class in the asked proportions', () => {
    const y = labels([100, 50, 10, 3]);
    const s = splitRows(y, FIT_CALIBRATION_VALIDATION, 7);
    const all = [...s.fit, ...s.calibration, ...s.validation].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: y.length }, (_, i) => i));
    const inClass = (rows: Int32Array, c: number) => Array.from(rows).filter((r) => y[r] === c).length;
    // class 0 (100 rows): 60/20/20; class 1 (50): 30/10/10; class 2 (10): 6/2/2; class 3 (3): one each.
    expect([0, 1, 2, 3].map((c) => [inClass(s.fit, c), inClass(s.calibration, c), inClass(s.validation, c)])).toEqual([
      [60, 20, 20],
      [30, 10, 10],
      [6, 2, 2],
      [1, 1, 1],
    ]);
  });

  it('is the same for the same seed and different for another', () => {
    const y = labels([40, 40]);
    expect(splitRows(y, FIT_CALIBRATION, 1)).toEqual(splitRows(y, FIT_CALIBRATION, 1));
    expect(Array.from(splitRows(y, FIT_CALIBRATION, 1).calibration)).not.toEqual(
      Array.from(splitRows(y, FIT_CALIBRATION, 2).calibration),
    );
  });
});

describe('enable fits and calibrates on disjoint rows', () => {
  it('knn with k = 1: no calibration row finds itself in the bank, and the split is recorded', async () => {
    const out = join(tmp.dir, 'knn1.onnx');
    const result = await enableModel({
      model: fixtures.digits.model,
      output: out,
      method: 'knn',
      data: fixtures.digits.idTrain,
      featureFit: { k: 1 },
      normalize: 'cdf',
    });
    const split = result.split!;
    expect(split.rows.fit + split.rows.calibration).toBe(1154);
    expect(split.rows.validation).toBe(0);
    expect(result.methodParameters).toMatchObject({ samples: split.rows.fit, stored: split.rows.fit });
    expect(result.record.calibration!.samples).toBe(split.rows.calibration);
    // A row that is in the bank has cosine similarity 1 to itself; fitted on the same rows, the top quantiles
    // of the calibration scores were all 1. Disjoint, not even the largest one is.
    expect(result.record.calibration!.max).toBeLessThan(0.99999);
    const model = OnnxModel.open(out);
    expect(JSON.parse(model.metadataMap.get('ood.split')!)).toEqual(split);
    model.close();
  });
});

// NumPy's type-7 quantiles (its default) of the scores of each row set, at the recorded levels: the reference for
// what a calibration on exactly those rows records.
const QUANTILES_PY = `
import json, sys
import numpy as np
d = json.load(sys.stdin)
s = np.array(d['scores'], dtype=np.float64)
print(json.dumps({k: np.quantile(s[np.array(rows, dtype=np.int64)], d['levels']).tolist() for k, rows in d['sets'].items()}))
`;

/** The enabled model's logits and raw ood_scores (normalize none) on every row of the digits training split. */
async function runOnTrainingRows(path: string): Promise<{ scores: Float32Array; predictions: Int32Array }> {
  const x = readNpy(fixtures.digits.idTrain);
  const session = await ort.InferenceSession.create(path);
  const out = await session.run({ image: new ort.Tensor('float32', x.data as Float32Array, x.shape) });
  await session.release();
  const logits = out.logits!.data as Float32Array;
  const classes = Number(out.logits!.dims[1]);
  const predictions = Int32Array.from({ length: x.shape[0]! }, (_, r) => {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[r * classes + c]! > logits[r * classes + best]!) best = c;
    return best;
  });
  return { scores: out.ood_scores!.data as Float32Array, predictions };
}

// Every method `--method` fits, the combinations auto can pick (each partner once, both layers, both of knn's
// grids), and auto itself. scale and ash fit nothing from the rows (their top count comes from the width), but
// they are calibrated like the rest.
const FITTED: { label: string; options: Pick<EnableOptions, 'method' | 'featureFit'> }[] = [
  { label: 'mahalanobis', options: { method: 'mahalanobis' } },
  { label: 'rmds', options: { method: 'rmds' } },
  { label: 'knn k=10', options: { method: 'knn' } },
  { label: 'knn k=1 previous layer', options: { method: 'knn', featureFit: { k: 1, layer: 'previous' } } },
  { label: 'vim', options: { method: 'vim' } },
  { label: 'fdbd', options: { method: 'fdbd' } },
  { label: 'react-energy', options: { method: 'react-energy' } },
  { label: 'scale', options: { method: 'scale' } },
  { label: 'ash', options: { method: 'ash' } },
  { label: 'knn k=1 + mahalanobis', options: { method: 'knn+mahalanobis', featureFit: { k: 1 } } },
  { label: 'knn k=5 + vim', options: { method: 'knn+vim', featureFit: { k: 5 } } },
  { label: 'knn k=1 previous layer + rmds', options: { method: 'knn+rmds', featureFit: { k: 1, layer: 'previous' } } },
  {
    label: 'knn k=10 previous layer + fdbd',
    options: { method: 'knn+fdbd', featureFit: { k: 10, layer: 'previous' } },
  },
  { label: 'auto', options: { method: 'auto' } },
];

describe.skipIf(missingPython('numpy'))('every fitted method calibrates on rows it was not fitted on', () => {
  // With --normalize none the enabled graph outputs the raw score, so the recorded quantiles can be held to the
  // scores of the rows they came from. The rows that calibrate do not depend on the normalization.
  it.each(FITTED)(
    '$label: the recorded calibration quantiles are those of the calibration rows, not of the fit rows',
    async ({ label, options }) => {
      const out = join(tmp.dir, `disjoint-${label.replace(/[^a-z0-9]+/gi, '-')}.onnx`);
      const result = await enableModel({
        model: fixtures.digits.model,
        output: out,
        data: fixtures.digits.idTrain,
        normalize: 'none',
        ...options,
      });
      const model = OnnxModel.open(out);
      const calibration = readCertaintyRecord(model.metadataMap)!.calibration!;
      const recordedSplit = JSON.parse(model.metadataMap.get('ood.split')!) as { seed: number };
      model.close();
      // The rows of each part, as enable cut them: its seeded split of the model's own predictions.
      const { scores, predictions } = await runOnTrainingRows(out);
      const parts = splitRows(
        predictions,
        options.method === 'auto' ? FIT_CALIBRATION_VALIDATION : FIT_CALIBRATION,
        recordedSplit.seed,
      );
      // The fit saw the fit rows only: every method records the rows it was fitted on; a combination fits its
      // parts on 75% of them and their CDF levels on the other 25%.
      const p = result.methodParameters!;
      const fitted = typeof p.samples === 'number' ? p.samples : Number(p.fitRows) + Number(p.levelRows);
      expect(fitted).toBe(parts.fit.length);
      expect(calibration.samples).toBe(parts.calibration.length);
      const sets = {
        calibration: Array.from(parts.calibration),
        fit: Array.from(parts.fit),
        ...(parts.validation.length > 0 ? { validation: Array.from(parts.validation) } : {}),
      };
      const input = JSON.stringify({ scores: Array.from(scores), levels: calibration.levels, sets });
      const reference = JSON.parse((await execa(SYSTEM_PYTHON, ['-c', QUANTILES_PY], { input })).stdout) as Record<
        string,
        number[]
      >;
      const scale = Math.max(...calibration.quantiles.map(Math.abs));
      const distance = (q: number[]) => Math.max(...q.map((v, i) => Math.abs(v - calibration.quantiles[i]!))) / scale;
      // float32 scores, recorded with 9 significant digits: the calibration rows' own quantiles agree to 1e-6
      // (measured: at most 4.4e-8).
      expect(distance(reference.calibration!)).toBeLessThan(1e-6);
      // The fit rows' quantiles sit far from them (measured: 9.9e-3 for knn k=10, whose scores all lie near 1,
      // to 0.42 for auto), so a calibration on the fit rows fails the line above, and these lines show that
      // this method's scores tell the two parts apart.
      expect(distance(reference.fit!)).toBeGreaterThan(1e-3);
      if (reference.validation) expect(distance(reference.validation)).toBeGreaterThan(1e-3);
    },
    60_000,
  );
});
