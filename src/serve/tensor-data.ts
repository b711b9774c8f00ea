// How each KServe V2 datatype is held in memory (the typed array onnxruntime-node expects) and which JSON
// values may fill it. One table so that the JSON codec, the binary codec and CSV agree.
import { OodError } from '../errors.js';

type TypedArrayCtor =
  | Uint8ArrayConstructor
  | Int8ArrayConstructor
  | Uint16ArrayConstructor
  | Int16ArrayConstructor
  | Uint32ArrayConstructor
  | Int32ArrayConstructor
  | BigUint64ArrayConstructor
  | BigInt64ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor;

export type TensorData = ReturnType<typeof allocate>;

export interface DatatypeLayout {
  /** Typed array that holds the elements; undefined for BYTES (string[]). */
  array?: TypedArrayCtor;
  /** Bytes per element in the binary tensor extension; 0 for BYTES. */
  bytes: number;
  /** Inclusive range for integer types that fit a JS number. */
  range?: [number, number];
  bigint?: boolean;
}

/** Layout of every datatype onnxruntime-node can carry. */
export const LAYOUTS: Readonly<Record<string, DatatypeLayout>> = {
  BOOL: { array: Uint8Array, bytes: 1 },
  UINT8: { array: Uint8Array, bytes: 1, range: [0, 255] },
  INT8: { array: Int8Array, bytes: 1, range: [-128, 127] },
  UINT16: { array: Uint16Array, bytes: 2, range: [0, 65535] },
  INT16: { array: Int16Array, bytes: 2, range: [-32768, 32767] },
  UINT32: { array: Uint32Array, bytes: 4, range: [0, 4294967295] },
  INT32: { array: Int32Array, bytes: 4, range: [-2147483648, 2147483647] },
  UINT64: { array: BigUint64Array, bytes: 8, bigint: true },
  INT64: { array: BigInt64Array, bytes: 8, bigint: true },
  FP16: { array: Uint16Array, bytes: 2 },
  FP32: { array: Float32Array, bytes: 4 },
  FP64: { array: Float64Array, bytes: 8 },
  BYTES: { bytes: 0 },
};

/** The layout of a datatype, or a 400 naming the tensor when the server cannot carry it. */
export function layoutOf(datatype: string, tensor: string): DatatypeLayout {
  const layout = LAYOUTS[datatype];
  if (!layout) {
    throw new OodError('UNSUPPORTED_DATATYPE', `input "${tensor}": datatype ${datatype} is not supported`, {
      hint: `Use one of ${Object.keys(LAYOUTS).join(', ')}.`,
    });
  }
  return layout;
}

/** A zero-filled container for `count` elements of `datatype`. */
export function allocate(datatype: string, count: number) {
  const layout = LAYOUTS[datatype];
  if (!layout?.array) return new Array<string>(count).fill('');
  return new layout.array(count);
}

/** Number of elements of a shape (1 for a scalar). */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
