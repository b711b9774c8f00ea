// The OOD side of `--method auto`'s validation: the user's sets (`--ood-val DATA`, any form `--data` takes),
// or, when none is given, synthetic sets made from the in-distribution validation rows (synthetic-ood.ts).
// Either way every set is run through the model once, and its features and logits are kept for the candidates.
import { basename, extname } from 'node:path';
import * as ort from 'onnxruntime-node';
import { OodError } from '../../errors.js';
import type { OnnxModel } from '../../onnx/model.js';
import type { ImageOptions } from '../data/images.js';
import { openFeedData } from '../data/feed-data.js';
import { batchOptionsFor } from '../../tensor/batches.js';
import { OutputCollector, collectFeatures, type FeatureSample } from '../features/collect-features.js';
import { makeSynthetic, syntheticKinds, type FloatRows } from './synthetic-ood.js';

/** A validation OOD set: its name and the model's outputs on it. */
export interface ValidationSet {
  name: string;
  outputs: FeatureSample;
  /** Synthetic sets: near- or far-OOD (synthetic-ood.ts), weighed apart by auto; the user's sets have none. */
  reach?: 'near' | 'far';
}

export interface ValidationRequest {
  model: OnnxModel;
  features: string | undefined;
  /** Also collect the input of the linear layer before the features (knn --knn-layer previous). */
  previous?: string;
  logits: string;
  batchSize: number;
  image?: ImageOptions;
  workDir: string;
  seed: number;
}

/** The most validation rows synthetic sets are made from (they are held in memory). */
export const SYNTHETIC_ROWS = 512;

/** Collect the user's OOD sets. */
export async function collectUserSets(paths: readonly string[], r: ValidationRequest): Promise<ValidationSet[]> {
  const sets: ValidationSet[] = [];
  for (const path of paths) {
    const data = await openFeedData(path, r.model.info.graph.inputs, r.batchSize, r.image);
    try {
      if (data.count === 0)
        throw new OodError('DATA_TOO_SMALL', `--ood-val ${path} holds no samples`, {
          hint: 'Pass a set with out-of-distribution samples, or drop --ood-val for synthetic ones.',
        });
      sets.push({
        name: basename(path, extname(path)),
        outputs: await collectFeatures(r.model, r.features, r.logits, data, r.workDir, r.previous),
      });
    } finally {
      data.close();
    }
  }
  return sets;
}

/** Rows `wanted` (ascending indices) of `dataPath`, per float32 input, at most SYNTHETIC_ROWS of them. */
async function gatherRows(
  dataPath: string,
  wanted: Int32Array,
  r: ValidationRequest,
): Promise<Record<string, FloatRows>> {
  const keep = new Set(Array.from(wanted.subarray(0, SYNTHETIC_ROWS)));
  const data = await openFeedData(dataPath, r.model.info.graph.inputs, r.batchSize, r.image);
  const parts: Record<string, { rows: Float32Array[]; trailing: number[] }> = {};
  let base = 0;
  try {
    for await (const batch of data.batches()) {
      for (const [name, t] of Object.entries(batch.feeds)) {
        if (t.type !== 'float32') continue;
        const trailing = t.dims.slice(1).map(Number);
        const width = trailing.reduce((a, b) => a * b, 1);
        const entry = (parts[name] ??= { rows: [], trailing });
        for (let i = 0; i < batch.rows; i++)
          if (keep.has(base + i)) entry.rows.push((t.data as Float32Array).slice(i * width, (i + 1) * width));
      }
      base += batch.rows;
    }
  } finally {
    data.close();
  }
  const out: Record<string, FloatRows> = {};
  for (const [name, { rows, trailing }] of Object.entries(parts)) {
    const width = trailing.reduce((a, b) => a * b, 1);
    const all = new Float32Array(rows.length * width);
    rows.forEach((row, i) => all.set(row, i * width));
    out[name] = { data: all, shape: [rows.length, ...trailing] };
  }
  return out;
}

/** Synthetic OOD sets from the validation rows of `dataPath`; `predictions` are the model's, per data row. */
export async function collectSyntheticSets(
  dataPath: string,
  validationRows: Int32Array,
  predictions: Int32Array,
  r: ValidationRequest,
): Promise<ValidationSet[]> {
  const inputs = r.model.info.graph.inputs;
  const rows = await gatherRows(dataPath, validationRows, r);
  for (const input of Object.values(rows))
    input.labels = Int32Array.from(validationRows.subarray(0, input.shape[0]), (row) => predictions[row]!);
  const names = Object.keys(rows);
  if (names.length !== inputs.length || names.length === 0) {
    throw new OodError(
      'AUTO_NEEDS_OOD',
      '--method auto makes synthetic OOD data only for models whose inputs are all float32',
      {
        hint: 'Pass out-of-distribution samples with --ood-val DATA (repeatable).',
      },
    );
  }
  const count = rows[names[0]!]!.shape[0]!;
  const { size, pad } = batchOptionsFor(inputs, r.batchSize);
  const sets: ValidationSet[] = [];
  for (const kind of syntheticKinds(rows[names[0]!]!.shape)) {
    const made = Object.fromEntries(names.map((n) => [n, makeSynthetic(kind, rows[n]!, r.seed)]));
    const collector = await OutputCollector.open(r.model, r.features, r.logits, r.workDir, r.previous);
    try {
      for (let start = 0; start < count; start += size) {
        const n = Math.min(size, count - start);
        const feeds: Record<string, ort.Tensor> = {};
        for (const name of names) {
          const trailing = rows[name]!.shape.slice(1);
          const width = trailing.reduce((a, b) => a * b, 1);
          const batchRows = pad ? size : n;
          const data = new Float32Array(batchRows * width);
          data.set(made[name]!.subarray(start * width, (start + n) * width));
          for (let p = n; p < batchRows; p++) data.copyWithin(p * width, (n - 1) * width, n * width);
          feeds[name] = new ort.Tensor('float32', data, [batchRows, ...trailing]);
        }
        await collector.add(feeds, n, `${kind.name}[${start}]`);
      }
      sets.push({ name: kind.name, reach: kind.reach, outputs: collector.result() });
    } finally {
      await collector.dispose();
    }
  }
  return sets;
}
