// The one tensor type of ood, from the data loaders through calibration and evaluate to the server and the score
// entrypoint: a KServe V2 / Open Inference Protocol tensor ({name, datatype, shape, data}, "Tensor Data" of the
// protocol), its elements flat in row-major order, held in the typed array that datatypes.ts names for the
// datatype (what onnxruntime-node takes, so a tensor reaches the model without a copy).
import { OodError } from '../errors.js';
import { fromHalfBits, toHalfBits, fromBfloat16Bits, toBfloat16Bits } from '../onnx/float16.js';
import { dataTypeFromV2, RUNNABLE_V2_DATATYPES, type DataType, type TypedArray } from './datatypes.js';

/**
 * Elements in row-major order: the datatype's typed array (FP16 and BF16 as their bits in a Uint16Array, BOOL as
 * 0/1 in a Uint8Array), string[] for BYTES. A score.mjs may also hand back plain arrays, which the codecs accept.
 */
export type TensorData = TypedArray | string[] | ArrayLike<number | bigint | string | boolean>;

/** A tensor without a name: rows of a data set kept by input name, or a batch before it is fed. */
export interface Tensor {
  /** KServe V2 datatype: BOOL, UINT8…UINT64, INT8…INT64, FP16, FP32, FP64, BYTES (datatypes.ts). */
  datatype: string;
  shape: number[];
  data: TensorData;
}

/** A tensor of a request or response: what score.mjs's predict() takes and returns (artifact format 1.0). */
export interface NamedTensor extends Tensor {
  name: string;
}

/** Number of elements of a shape (1 for a scalar). */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * The table row of a datatype a model can be fed (onnxruntime-node carries it), or a 400 naming the tensor.
 * `tensor` is the request's input name; empty when there is none to name.
 */
export function runnableDataType(datatype: string, tensor: string): DataType {
  const type = dataTypeFromV2(datatype);
  if (!type?.ort) {
    throw new OodError('UNSUPPORTED_DATATYPE', `input "${tensor}": datatype ${datatype} is not supported`, {
      hint: `Use one of ${RUNNABLE_V2_DATATYPES.join(', ')}.`,
    });
  }
  return type;
}

/** A zero-filled container for `count` elements of `datatype` (string[] of "" for BYTES). */
export function allocate(datatype: string, count: number): TypedArray | string[] {
  const Array_ = dataTypeFromV2(datatype)?.array;
  if (!Array_) return new Array<string>(count).fill('');
  return new Array_(count);
}

/** An element as a JS number, whatever the datatype holds (binary16 and bfloat16 bits decoded). */
export function elementNumber(datatype: string, value: number | bigint | string | boolean): number {
  const json = dataTypeFromV2(datatype)?.json;
  if (json === 'binary16') return fromHalfBits(Number(value));
  if (json === 'bfloat16') return fromBfloat16Bits(Number(value));
  return Number(value);
}

/**
 * The same values in another numeric datatype (float64 → float32 as numpy saves by default, int32 → int64,
 * float32 → float16 bits). Values are converted as JS numbers: the caller decides which conversions make sense.
 */
export function convertTensor<T extends Tensor>(tensor: T, datatype: string): T {
  if (tensor.datatype === datatype) return tensor;
  const to = dataTypeFromV2(datatype);
  if (!to?.array) throw new Error(`convertTensor: ${datatype} has no numeric array`);
  const { data } = tensor;
  const out = new to.array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = elementNumber(tensor.datatype, data[i]!);
    if (to.json === 'binary16') out[i] = toHalfBits(v);
    else if (to.json === 'bfloat16') out[i] = toBfloat16Bits(v);
    else if (to.range && to.bytes === 8) out[i] = BigInt(Math.trunc(v));
    else out[i] = v;
  }
  return { ...tensor, datatype, data: out };
}
