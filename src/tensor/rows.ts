// Row operations along axis 0, the batch axis: what calibration, evaluate and the server's dynamic batcher do to
// cut data into model runs and split outputs back per request. A tensor keeps its other fields (its name).
import { allocate, elementCount, type Tensor, type TensorData } from './tensor.js';

type Sliceable = TensorData & {
  subarray?: (start: number, end: number) => TensorData;
  slice?: (start: number, end: number) => TensorData;
};

/** Elements in one row: the product of the dims after the first. */
export function rowSize(tensor: Tensor): number {
  return elementCount(tensor.shape.slice(1));
}

/** Rows [start, end); typed arrays are viewed, not copied. */
export function sliceRows<T extends Tensor>(tensor: T, start: number, end: number): T {
  const per = rowSize(tensor);
  const data = tensor.data as Sliceable;
  const part = data.subarray
    ? data.subarray(start * per, end * per)
    : data.slice
      ? data.slice(start * per, end * per)
      : Array.prototype.slice.call(data, start * per, end * per);
  return { ...tensor, shape: [end - start, ...tensor.shape.slice(1)], data: part as TensorData };
}

/** Tensors of one datatype and equal trailing dims, joined along axis 0 (the first tensor, uncopied, if alone). */
export function concatRows<T extends Tensor>(parts: readonly T[]): T {
  const first = parts[0]!;
  if (parts.length === 1) return first;
  const rows = parts.reduce((n, t) => n + t.shape[0]!, 0);
  const shape = [rows, ...first.shape.slice(1)];
  const out = allocate(first.datatype, elementCount(shape));
  let at = 0;
  for (const t of parts) {
    if (Array.isArray(out)) for (let i = 0; i < t.data.length; i++) out[at + i] = String(t.data[i]);
    else (out as unknown as { set(a: ArrayLike<unknown>, o: number): void }).set(t.data, at);
    at += t.data.length;
  }
  return { ...first, shape, data: out };
}

/** At least `rows` rows: the tensor as is when it has enough, else padded by repeating its last row. */
export function padRows<T extends Tensor>(tensor: T, rows: number): T {
  const have = tensor.shape[0]!;
  if (have >= rows || have === 0) return tensor;
  const last = sliceRows(tensor, have - 1, have);
  return concatRows([tensor, ...Array<T>(rows - have).fill(last)]);
}
