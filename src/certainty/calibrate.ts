// Calibration: run the enabled-but-unnormalized model over the in-distribution data in batches and collect the
// raw score of every sample. Batches are cut across files and chunks; inputs with a fixed batch size get it,
// with the last batch padded by repeating its final row (the padded scores are dropped).
import * as ort from 'onnxruntime-node';
import { OodError } from '../errors.js';
import type { ValueInfo } from '../onnx/decode.js';
import type { CalibrationData, SampleChunk } from './data/open-data.js';
import { concatRows, sliceRows, type HostTensor } from './data/host-tensor.js';

/** Called after every batch with samples done and the total. */
export type ProgressListener = (done: number, total: number) => void;

export interface CalibrateOptions {
  /** Name of the raw score output, FP32 [batch, 1]. */
  scoreOutput: string;
  inputs: readonly ValueInfo[];
  batchSize: number;
  onProgress?: ProgressListener;
}

/** The batch size to run: the model's fixed batch dimension if it has one, else the requested size. */
export function effectiveBatchSize(inputs: readonly ValueInfo[], requested: number): number {
  for (const i of inputs) {
    const d = i.type.kind === 'tensor' ? i.type.shape?.[0] : undefined;
    if (typeof d === 'number' && d > 0) return d;
  }
  return requested;
}

interface Pending {
  rows: number;
  parts: Record<string, HostTensor[]>;
  /** Where each part's rows came from, to name a sample only when something goes wrong. */
  sources: { chunk: SampleChunk; row: number; count: number }[];
}

function sampleName(p: Pending, index: number): string {
  for (const s of p.sources) {
    if (index < s.count) return s.chunk.sampleName(s.row + index);
    index -= s.count;
  }
  return `#${index}`;
}

const trailing = (t: HostTensor) => t.dims.slice(1).join(',');

/** Raw scores of every sample, in data order. Throws CALIBRATION_* errors naming the sample. */
export async function collectRawScores(session: ort.InferenceSession, data: CalibrationData, options: CalibrateOptions): Promise<Float64Array> {
  const batch = effectiveBatchSize(options.inputs, options.batchSize);
  const fixed = batch !== options.batchSize || options.inputs.some((i) => i.type.kind === 'tensor' && typeof i.type.shape?.[0] === 'number');
  const scores = new Float64Array(data.count);
  let done = 0;
  let pending: Pending = { rows: 0, parts: {}, sources: [] };

  const flush = async () => {
    if (pending.rows === 0) return;
    const feeds: Record<string, ort.Tensor> = {};
    for (const input of options.inputs) {
      let t = concatRows(pending.parts[input.name]!);
      if (fixed && pending.rows < batch) t = concatRows([t, ...Array(batch - pending.rows).fill(sliceRows(t, pending.rows - 1, pending.rows))]);
      feeds[input.name] = new ort.Tensor(t.type as 'float32', t.data as Float32Array, t.dims);
    }
    const result = await run(session, feeds, options.scoreOutput, sampleName(pending, 0));
    const out = result.data as Float32Array;
    for (let r = 0; r < pending.rows; r++) {
      const v = out[r]!;
      if (!Number.isFinite(v)) {
        const name = sampleName(pending, r);
        throw new OodError('CALIBRATION_NONFINITE', `sample ${name}: the model's score is ${v}`, {
          hint: 'The model produces non-finite logits for this sample; check its preprocessing or remove it.',
          details: { sample: name, score: String(v) },
        });
      }
      scores[done + r] = v;
    }
    done += pending.rows;
    pending = { rows: 0, parts: {}, sources: [] };
    options.onProgress?.(done, data.count);
  };

  for await (const chunk of data.chunks()) {
    let row = 0;
    while (row < chunk.rows) {
      if (pending.rows > 0 && !sameTrailingDims(pending, chunk)) await flush();
      const take = Math.min(batch - pending.rows, chunk.rows - row);
      for (const input of options.inputs) (pending.parts[input.name] ??= []).push(sliceRows(chunk.tensors[input.name]!, row, row + take));
      pending.sources.push({ chunk, row, count: take });
      pending.rows += take;
      row += take;
      if (pending.rows === batch) await flush();
    }
  }
  await flush();
  return scores;
}

function sameTrailingDims(pending: Pending, chunk: SampleChunk): boolean {
  return Object.entries(chunk.tensors).every(([name, t]) => trailing(pending.parts[name]![0]!) === trailing(t));
}

async function run(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>, output: string, first: string): Promise<ort.Tensor> {
  try {
    const result = await session.run(feeds, [output]);
    return result[output]!;
  } catch (err) {
    throw new OodError('CALIBRATION_FAILED', `onnxruntime failed on the batch starting at sample ${first}: ${(err as Error).message}`, {
      hint: "Check that the data matches the model's inputs and preprocessing.",
      cause: err,
      details: { sample: first },
    });
  }
}
