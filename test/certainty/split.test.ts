// The split that keeps calibration honest: fit, calibration and validation rows are disjoint, cover the data,
// keep each predicted class's proportion, and depend only on the seed; and enable really fits and calibrates on
// different rows (a kNN bank never scores its own rows at calibration time).
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { enableModel } from '../../src/certainty/enable.js';
import { OnnxModel } from '../../src/onnx/model.js';
import { FIT_CALIBRATION, FIT_CALIBRATION_VALIDATION, splitRows } from '../../src/certainty/split.js';
import { fixtures } from '../helpers/fixtures.js';
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
