// A data set as onnxruntime feeds, for `ood evaluate` and the feature-space fits of `ood enable`: enable's data
// loaders (V2 request JSON, .npy arrays, image folders; open-data.ts) cut by src/tensor/batches.ts into batches
// of `batchSize` rows, across chunk and file boundaries. Inputs with a fixed batch dimension get full batches,
// padded by repeating the last row.
import { basename, extname } from 'node:path';
import type * as ort from 'onnxruntime-node';
import type { ValueInfo } from '../../onnx/decode.js';
import { batches, batchOptionsFor } from '../../tensor/batches.js';
import { toOrtFeeds } from '../../tensor/ort-tensor.js';
import type { ImageOptions } from './images.js';
import { openCalibrationData } from './open-data.js';

/** One batch: `rows` real samples (the feeds may hold padding after them). */
export interface FeedBatch {
  rows: number;
  feeds: Record<string, ort.Tensor>;
  /** The user-facing name of the batch's first sample. */
  first: string;
}

/** A named data set that yields feeds for a model. */
export interface FeedData {
  name: string;
  path: string;
  count: number;
  batches(): AsyncIterable<FeedBatch>;
  close(): void;
}

/** Open a data set for a model with the given graph inputs. */
export async function openFeedData(
  path: string,
  inputs: readonly ValueInfo[],
  batchSize: number,
  image: ImageOptions = {},
): Promise<FeedData> {
  const data = await openCalibrationData(path, inputs, image);
  const options = batchOptionsFor(inputs, batchSize);
  return {
    name: basename(path, extname(path)),
    path,
    count: data.count,
    async *batches() {
      for await (const batch of batches(data.chunks(), options))
        yield { rows: batch.rows, feeds: toOrtFeeds(batch.tensors), first: batch.sampleName(0) };
    },
    close: () => data.close(),
  };
}
