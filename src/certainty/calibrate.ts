// Calibration: run the enabled-but-unnormalized model over the in-distribution data in batches and collect the
// raw score of every sample. Batches come from src/tensor/batches.ts (cut across files and chunks); inputs with
// a fixed batch size get it, with the last batch padded by repeating its final row (the padded scores are dropped).
import type * as ort from 'onnxruntime-node';
import { OodError } from '../errors.js';
import type { ValueInfo } from '../onnx/decode.js';
import { batches, batchOptionsFor } from '../tensor/batches.js';
import { toOrtFeeds } from '../tensor/ort-tensor.js';
import type { CalibrationData } from './data/open-data.js';
import { runBatch } from './scoring-session.js';

/** Called after every batch with samples done and the total. */
export type ProgressListener = (done: number, total: number) => void;

export interface CalibrateOptions {
  /** Name of the raw score output, FP32 [batch, 1]. */
  scoreOutput: string;
  inputs: readonly ValueInfo[];
  batchSize: number;
  onProgress?: ProgressListener;
  /** Another output to fetch with the score; `onFetched` sees it with the batch's real row count. */
  alsoFetch?: string;
  onFetched?: (tensor: ort.Tensor, rows: number) => void;
}

/** Raw scores of every sample, in data order. Throws CALIBRATION_* errors naming the sample. */
export async function collectRawScores(
  session: ort.InferenceSession,
  data: CalibrationData,
  options: CalibrateOptions,
): Promise<Float64Array> {
  const scores = new Float64Array(data.count);
  let done = 0;
  for await (const batch of batches(data.chunks(), batchOptionsFor(options.inputs, options.batchSize))) {
    const feeds = toOrtFeeds(batch.tensors);
    const fetches = options.alsoFetch ? [options.scoreOutput, options.alsoFetch] : [options.scoreOutput];
    const result = await runBatch(session, feeds, fetches, batch.sampleName(0));
    if (options.alsoFetch) options.onFetched?.(result[options.alsoFetch]!, batch.rows);
    const out = result[options.scoreOutput]!.data as Float32Array;
    for (let r = 0; r < batch.rows; r++) {
      const v = out[r]!;
      if (!Number.isFinite(v)) {
        const name = batch.sampleName(r);
        throw new OodError('CALIBRATION_NONFINITE', `sample ${name}: the model's score is ${v}`, {
          hint: 'The model produces non-finite logits for this sample; check its preprocessing or remove it.',
          details: { sample: name, score: String(v) },
        });
      }
      scores[done + r] = v;
    }
    done += batch.rows;
    options.onProgress?.(done, data.count);
  }
  return scores;
}
