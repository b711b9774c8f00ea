// The calibration loop: batches cut inside one .npy chunk (fed as views) and batches that span chunks and
// files (copied together) must give every sample the score a plain batched onnxruntime run gives it.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { collectRawScores } from '../../src/certainty/calibrate.js';
import { openCalibrationData } from '../../src/certainty/data/open-data.js';
import { NpyFile } from '../../src/certainty/data/npy.js';
import { openScoringSession } from '../../src/certainty/scoring-session.js';
import { buildScoreGraph } from '../../src/certainty/score-graph.js';
import { planStrip } from '../../src/certainty/strip.js';
import { chooseLogits } from '../../src/certainty/logits.js';
import { getMethod } from '../../src/certainty/methods/index.js';
import { OnnxModel } from '../../src/onnx/model.js';
import { fixtures } from '../helpers/fixtures.js';
import { tempDir, writeNpyF32 } from './harness.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

describe('collectRawScores', () => {
  it('scores every sample in data order, whether its batch lies inside one file or spans two files', async () => {
    const src = new NpyFile(fixtures.digits.calibration);
    const all = src.readRows(0, src.rows).data as Float32Array;
    const rows = src.rows;
    src.close();
    const row = all.length / rows;
    const dir = join(tmp.dir, 'split');
    mkdirSync(dir);
    // 45 rows then 244: batch 32 runs one whole batch inside a.npy, one batch spanning both files, then b.npy's.
    writeNpyF32(join(dir, 'a.npy'), [45, 1, 8, 8], all.subarray(0, 45 * row));
    writeNpyF32(join(dir, 'b.npy'), [rows - 45, 1, 8, 8], all.subarray(45 * row));

    const model = OnnxModel.open(fixtures.digits.model);
    const strip = planStrip(model);
    const graph = buildScoreGraph({
      opset: model.defaultOpset,
      used: strip.used,
      logits: chooseLogits(strip.outputs),
      method: getMethod('energy'),
      temperature: 1,
      output: 'raw_score',
      map: { kind: 'none' },
      docString: '',
    });
    const scoring = await openScoringSession(model, { appendGraph: graph.fields });
    try {
      const inputs = model.info.graph.inputs;
      const data = await openCalibrationData(dir, inputs);
      const progress: number[] = [];
      const got = await collectRawScores(scoring.session, data, {
        scoreOutput: 'raw_score',
        inputs,
        batchSize: 32,
        onProgress: (d) => progress.push(d),
      });
      data.close();
      expect(progress).toEqual([32, 64, 96, 128, 160, 192, 224, 256, 288, 289]);
      for (let start = 0; start < rows; start += 32) {
        const end = Math.min(rows, start + 32);
        const feeds = { image: new ort.Tensor('float32', all.slice(start * row, end * row), [end - start, 1, 8, 8]) };
        const want = (await scoring.session.run(feeds, ['raw_score'])).raw_score!.data as Float32Array;
        for (let r = 0; r < end - start; r++) expect(got[start + r]).toBeCloseTo(want[r]!, 4);
      }
    } finally {
      await scoring.dispose();
      model.close();
    }
  });
});
