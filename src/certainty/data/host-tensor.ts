// Tensors held in JS memory while data sets are read and batched: an onnxruntime-node type string, dims, and
// the typed array onnxruntime-node expects for that type (float16 as Uint16Array bits, int64 as BigInt64Array).

export type TypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** One tensor of data for a model input. */
export interface HostTensor {
  /** onnxruntime-node type: float32, float64, float16, int64, uint8, bool, ... */
  type: string;
  dims: number[];
  data: TypedArray;
}

/** Typed array constructor for each onnxruntime-node type ood can feed (strings are not supported). */
export const ARRAY_FOR_TYPE: Record<string, { new (n: number): TypedArray; BYTES_PER_ELEMENT: number }> = {
  float32: Float32Array,
  float64: Float64Array,
  float16: Uint16Array,
  int8: Int8Array,
  uint8: Uint8Array,
  bool: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
};

/** Number of elements of a shape. */
export function elementCount(dims: readonly number[]): number {
  return dims.reduce((n, d) => n * d, 1);
}

/** Rows [start, end) along axis 0, sharing memory with the original. */
export function sliceRows(t: HostTensor, start: number, end: number): HostTensor {
  const row = elementCount(t.dims.slice(1));
  return {
    type: t.type,
    dims: [end - start, ...t.dims.slice(1)],
    data: t.data.subarray(start * row, end * row) as TypedArray,
  };
}

/** Concatenate tensors of one type and equal trailing dims along axis 0. */
export function concatRows(parts: readonly HostTensor[]): HostTensor {
  const first = parts[0]!;
  if (parts.length === 1) return first;
  const rows = parts.reduce((n, p) => n + p.dims[0]!, 0);
  const dims = [rows, ...first.dims.slice(1)];
  const out = new ARRAY_FOR_TYPE[first.type]!(elementCount(dims));
  let offset = 0;
  for (const p of parts) {
    (out as Float32Array).set(p.data as unknown as Float32Array, offset);
    offset += p.data.length;
  }
  return { type: first.type, dims, data: out };
}
