// The one loop that cuts a data set into model runs, for calibration, feature collection and evaluate alike.
//
// A batch MAY cross a chunk boundary: data arrives in chunks (a .npy read of ~4 MiB, a V2 request file, 16
// images) whose sizes have nothing to do with the batch size, so batches are cut across chunks and files, and
// every batch is full but the last. That keeps the number of runs, and of padded rows when the model's batch
// size is fixed, at the minimum. A batch starts afresh only where the next chunk's rows have other trailing dims
// (V2 request files of different shapes), since such rows cannot share one tensor. A batch inside one chunk is
// a view on the chunk's memory; one that crosses is copied together.
import type { ValueInfo } from '../onnx/decode.js';
import { concatRows, padRows, sliceRows } from './rows.js';
import type { Tensor } from './tensor.js';

/** Rows of one or more samples, one tensor per model input, each with the same leading (batch) dimension. */
export interface RowChunk {
  rows: number;
  tensors: Record<string, Tensor>;
  /** A name for row i that a user can find (file, file[row]). */
  sampleName(row: number): string;
}

/** One model run: `rows` real samples; with padding the tensors hold repeats of the last row after them. */
export interface Batch {
  rows: number;
  tensors: Record<string, Tensor>;
  /** The user-facing name of the batch's row i (i < rows). */
  sampleName(row: number): string;
}

export interface BatchOptions {
  /** Rows per batch. */
  size: number;
  /** Pad a short last batch to `size` rows (for a model whose batch dimension is fixed). */
  pad: boolean;
}

/**
 * How to batch data for a model: a fixed (positive) leading dimension of its inputs wins over the requested
 * size, and then short batches are padded, since the model takes no other size.
 */
export function batchOptionsFor(inputs: readonly ValueInfo[], requested: number): BatchOptions {
  for (const i of inputs) {
    const d = i.type.kind === 'tensor' ? i.type.shape?.[0] : undefined;
    if (typeof d === 'number' && d > 0) return { size: d, pad: true };
  }
  return { size: requested, pad: false };
}

/** Rows [start, start + rows) of one chunk. */
interface Piece {
  chunk: RowChunk;
  start: number;
  rows: number;
}

const trailing = (t: Tensor) => t.shape.slice(1).join(',');

function sameTrailingDims(a: RowChunk, b: RowChunk): boolean {
  const names = Object.keys(a.tensors);
  return (
    names.length === Object.keys(b.tensors).length &&
    names.every((n) => b.tensors[n] !== undefined && trailing(a.tensors[n]!) === trailing(b.tensors[n]!))
  );
}

function assemble(pieces: readonly Piece[], options: BatchOptions): Batch {
  const rows = pieces.reduce((n, p) => n + p.rows, 0);
  const tensors: Record<string, Tensor> = {};
  for (const name of Object.keys(pieces[0]!.chunk.tensors)) {
    const parts = pieces.map((p) => sliceRows(p.chunk.tensors[name]!, p.start, p.start + p.rows));
    const joined = concatRows(parts);
    tensors[name] = options.pad ? padRows(joined, options.size) : joined;
  }
  const sampleName = (row: number): string => {
    let r = row;
    for (const p of pieces) {
      if (r < p.rows) return p.chunk.sampleName(p.start + r);
      r -= p.rows;
    }
    return `#${row}`;
  };
  return { rows, tensors, sampleName };
}

/** Batches of `options.size` rows over `chunks`, in data order (see the top of this file for where they cut). */
export async function* batches(chunks: AsyncIterable<RowChunk>, options: BatchOptions): AsyncGenerator<Batch> {
  if (!Number.isInteger(options.size) || options.size < 1) throw new RangeError(`batch size ${options.size}`);
  let pending: Piece[] = [];
  let pendingRows = 0;
  for await (const chunk of chunks) {
    for (let row = 0; row < chunk.rows;) {
      if (pending.length > 0 && !sameTrailingDims(pending[0]!.chunk, chunk)) {
        yield assemble(pending, options);
        [pending, pendingRows] = [[], 0];
      }
      const take = Math.min(options.size - pendingRows, chunk.rows - row);
      pending.push({ chunk, start: row, rows: take });
      pendingRows += take;
      row += take;
      if (pendingRows === options.size) {
        yield assemble(pending, options);
        [pending, pendingRows] = [[], 0];
      }
    }
  }
  if (pending.length > 0) yield assemble(pending, options);
}
