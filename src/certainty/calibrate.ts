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
export async function collectRawScores(
  session: ort.InferenceSession,
  data: CalibrationData,
  options: CalibrateOptions,
): Promise<Float64Array> {
  const batch = effectiveBatchSize(options.inputs, options.batchSize);
  const fixed =
    batch !== options.batchSize ||
    options.inputs.some((i) => i.type.kind === 'tensor' && typeof i.type.shape?.[0] === 'number');
  const scores = new Float64Array(data.count);
  let done = 0;
  let pending: Pending = { rows: 0, parts: {}, sources: [] };

  // Run one batch of `rows` samples (padded when the model's batch size is fixed) and store its scores.
  const score = async (tensors: Record<string, HostTensor>, rows: number, name: (row: number) => string) => {
    const feeds: Record<string, ort.Tensor> = {};
    for (const input of options.inputs) {
      let t = tensors[input.name]!;
      if (fixed && rows < batch)
        t = concatRows([t, ...Array<HostTensor>(batch - rows).fill(sliceRows(t, rows - 1, rows))]);
      feeds[input.name] = new ort.Tensor(t.type as 'float32', t.data as Float32Array, t.dims);
    }
    const out = (await run(session, feeds, options.scoreOutput, name)).data as Float32Array;
    for (let r = 0; r < rows; r++) {
      const v = out[r]!;
      if (!Number.isFinite(v)) {
        throw new OodError('CALIBRATION_NONFINITE', `sample ${name(r)}: the model's score is ${v}`, {
          hint: 'The model produces non-finite logits for this sample; check its preprocessing or remove it.',
          details: { sample: name(r), score: String(v) },
        });
      }
      scores[done + r] = v;
    }
    done += rows;
    options.onProgress?.(done, data.count);
  };

  const flush = async () => {
    if (pending.rows === 0) return;
    const p = pending;
    const tensors: Record<string, HostTensor> = {};
    for (const input of options.inputs) tensors[input.name] = concatRows(p.parts[input.name]!);
    pending = { rows: 0, parts: {}, sources: [] };
    await score(tensors, p.rows, (r) => sampleName(p, r));
  };

  for await (const chunk of data.chunks()) {
    let row = 0;
    while (row < chunk.rows) {
      if (pending.rows > 0 && !sameTrailingDims(pending, chunk)) await flush();
      const take = Math.min(batch - pending.rows, chunk.rows - row);
      if (pending.rows === 0 && take === batch) {
        // A whole batch inside one chunk: feed views of the chunk's rows, no copy and no bookkeeping.
        const start = row;
        const tensors: Record<string, HostTensor> = {};
        for (const input of options.inputs)
          tensors[input.name] = sliceRows(chunk.tensors[input.name]!, start, start + take);
        await score(tensors, take, (r) => chunk.sampleName(start + r));
      } else {
        for (const input of options.inputs)
          (pending.parts[input.name] ??= []).push(sliceRows(chunk.tensors[input.name]!, row, row + take));
        pending.sources.push({ chunk, row, count: take });
        pending.rows += take;
        if (pending.rows === batch) await flush();
      }
      row += take;
    }
  }
  await flush();
  return scores;
}

function sameTrailingDims(pending: Pending, chunk: SampleChunk): boolean {
  return Object.entries(chunk.tensors).every(([name, t]) => trailing(pending.parts[name]![0]!) === trailing(t));
}

async function run(
  session: ort.InferenceSession,
  feeds: Record<string, ort.Tensor>,
  output: string,
  name: (row: number) => string,
): Promise<ort.Tensor> {
  try {
    const result = await session.run(feeds, [output]);
    return result[output]!;
  } catch (err) {
    const first = name(0);
    throw new OodError(
      'CALIBRATION_FAILED',
      `onnxruntime failed on the batch starting at sample ${first}: ${(err as Error).message}`,
      {
        hint: "Check that the data matches the model's inputs and preprocessing.",
        cause: err,
        details: { sample: first },
      },
    );
  }
}
