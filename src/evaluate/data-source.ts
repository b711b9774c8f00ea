// Where `ood evaluate` and the feature-space fits get their samples: enable's data loaders (V2 request JSON,
// .npy arrays, image folders; src/certainty/data/) cut into onnxruntime feeds of at most `batchSize` rows.
// Inputs with a fixed batch dimension get full batches, padded by repeating the last row.
import { basename, extname } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ValueInfo } from '../onnx/decode.js';
import { openCalibrationData, type CalibrationData } from '../certainty/data/open-data.js';
import type { ImageOptions } from '../certainty/data/images.js';
import { concatRows, sliceRows, type HostTensor } from '../certainty/data/host-tensor.js';

/** One batch: `rows` real samples (the feeds may hold padding after them). */
export interface FeedBatch {
  rows: number;
  feeds: Record<string, ort.Tensor>;
  /** The user-facing name of the batch's first sample. */
  first: string;
}

/** A named data set that yields feeds for a model. */
export interface EvaluationData {
  name: string;
  path: string;
  count: number;
  batches(): AsyncIterable<FeedBatch>;
  close(): void;
}

/** The batch size to run: a fixed leading dimension of the model's inputs wins over the requested size. */
export function fixedBatchSize(inputs: readonly ValueInfo[]): number | undefined {
  for (const i of inputs) {
    const d = i.type.kind === 'tensor' ? i.type.shape?.[0] : undefined;
    if (typeof d === 'number' && d > 0) return d;
  }
  return undefined;
}

const toOrt = (t: HostTensor) => new ort.Tensor(t.type as 'float32', t.data as Float32Array, t.dims);

/** Open a data set for a model with the given graph inputs. */
export async function openEvaluationData(
  path: string,
  inputs: readonly ValueInfo[],
  batchSize: number,
  image: ImageOptions = {},
): Promise<EvaluationData> {
  const data: CalibrationData = await openCalibrationData(path, inputs, image);
  const fixed = fixedBatchSize(inputs);
  const size = fixed ?? batchSize;
  return {
    name: basename(path, extname(path)),
    path,
    count: data.count,
    async *batches() {
      for await (const chunk of data.chunks()) {
        for (let start = 0; start < chunk.rows; start += size) {
          const end = Math.min(chunk.rows, start + size);
          const feeds: Record<string, ort.Tensor> = {};
          for (const [name, tensor] of Object.entries(chunk.tensors)) {
            let t = sliceRows(tensor, start, end);
            if (fixed !== undefined && end - start < fixed)
              t = concatRows([
                t,
                ...Array<HostTensor>(fixed - (end - start)).fill(sliceRows(t, end - start - 1, end - start)),
              ]);
            feeds[name] = toOrt(t);
          }
          yield { rows: end - start, feeds, first: chunk.sampleName(start) };
        }
      }
    },
    close: () => data.close(),
  };
}
