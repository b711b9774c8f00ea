// Run a model over calibration data with its penultimate features exposed as an extra graph output (for this
// run only; the enabled model never gets that output) and collect every sample's features and predicted class.
import { OodError } from '../../errors.js';
import type { OnnxModel } from '../../onnx/model.js';
import { encodeGraphOutput } from '../../onnx/encode.js';
import { ONNX_FLOAT } from '../../tensor/datatypes.js';
import { openScoringSession, runBatch } from '../scoring-session.js';
import type { FeedData } from '../data/feed-data.js';

/** Features of N samples (row-major N × dim, float32) and the model's own class predictions. */
export interface FeatureSample {
  features: Float32Array;
  dim: number;
  count: number;
  /** argmax of the logits per sample. */
  predictions: Int32Array;
  /** Number of logits (classes) the model has. */
  classes: number;
}

/**
 * Collect features and predictions. `features` and `logits` are tensor names of the original graph; `workDir`
 * is where a large model's temporary copy goes (see scoring-session.ts).
 */
export async function collectFeatures(
  model: OnnxModel,
  features: string,
  logits: string,
  data: FeedData,
  workDir: string,
): Promise<FeatureSample> {
  const exposed = model.info.graph.outputs.some((o) => o.name === features);
  const edit = exposed ? {} : { appendGraph: [encodeGraphOutput(features, ONNX_FLOAT, null)] };
  const { session, dispose } = await openScoringSession(model, edit, workDir);
  const rows: Float32Array[] = [];
  const predictions = new Int32Array(data.count);
  let dim = 0;
  let classes = 0;
  let done = 0;
  try {
    for await (const batch of data.batches()) {
      const out = await runBatch(
        session,
        batch.feeds,
        [features, logits],
        batch.first,
        "Check that the data matches the model's inputs, and that --features names a float tensor.",
      );
      const f = out[features]!;
      const l = out[logits]!;
      if (f.type !== 'float32' || f.dims.length !== 2 || l.dims.length !== 2) {
        throw new OodError(
          'FEATURES_UNSUPPORTED',
          `features ${features} are ${f.type} [${f.dims.join(', ')}]; feature methods need float32 [batch, features] and [batch, classes] logits`,
          {
            kind: 'usage',
            hint: 'Pass --features NAME with a rank-2 float tensor, e.g. the flattened input of the last linear layer.',
          },
        );
      }
      dim = Number(f.dims[1]);
      classes = Number(l.dims[1]);
      rows.push((f.data as Float32Array).slice(0, batch.rows * dim));
      const logitValues = l.data as Float32Array;
      for (let r = 0; r < batch.rows; r++) predictions[done + r] = argmax(logitValues, r * classes, classes);
      done += batch.rows;
    }
  } finally {
    await dispose();
  }
  const all = new Float32Array(done * dim);
  let offset = 0;
  for (const r of rows) {
    all.set(r, offset);
    offset += r.length;
  }
  return { features: all, dim, count: done, predictions, classes };
}

function argmax(values: Float32Array, start: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (values[start + i]! > values[start + best]!) best = i;
  return best;
}
