// The one table of tensor element types, across every vocabulary ood meets: ONNX TensorProto.DataType
// (onnx.proto3, IR 10), the KServe V2 / Open Inference Protocol datatype names ("Tensor Data Types" of the
// protocol), onnxruntime-node's Tensor type strings, Triton's config types and NumPy's .npy dtype codes. Each row also
// says how the elements are held in JS memory and how they are written in V2 JSON. Adding a datatype (BF16 once
// onnxruntime-node carries it, Node's Float16Array) is one row here.

/** Every typed array a tensor's data may be held in. */
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

/** The class of a typed array: constructible from a length, or a view on a buffer. */
export interface TypedArrayClass {
  new (length: number): TypedArray;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): TypedArray;
  readonly BYTES_PER_ELEMENT: number;
}

/**
 * How an element is written in V2 JSON: a number (floats; non-finite ones as the strings "NaN", "Infinity",
 * "-Infinity"), an integer in `range`, a boolean, a string (BYTES), or a number held as IEEE 754 binary16 /
 * bfloat16 bits in a Uint16Array.
 */
export type JsonEncoding = 'float' | 'integer' | 'boolean' | 'string' | 'binary16' | 'bfloat16';

/** One element type. Fields a vocabulary lacks are undefined. */
export interface DataType {
  onnx: number;
  onnxName: string;
  /** KServe V2 name. */
  v2?: string;
  /** onnxruntime-node Tensor type; undefined when the JS binding cannot carry it. */
  ort?: string;
  /**
   * Triton model configuration type, from the ONNX Runtime column of the "Datatypes" table of Triton's
   * docs/user_guide/model_configuration.md; undefined where Triton's ONNX Runtime backend has none.
   */
  triton?: string;
  /** NumPy dtype kind and item size as in a .npy `descr` without its byte order, e.g. "f4". */
  numpy?: string;
  /** The typed array holding the elements in memory; undefined for BYTES (string[]) and types JS cannot hold. */
  array?: TypedArrayClass;
  /** Bytes per element (also in the V2 binary extension); 0 for variable-size (strings). */
  bytes: number;
  /** Inclusive bounds of an integer type. */
  range?: readonly [bigint, bigint];
  /** How V2 JSON writes an element; undefined when V2 has no name for the type. */
  json?: JsonEncoding;
}

const int = (bits: number, signed: boolean): readonly [bigint, bigint] =>
  signed ? [-(2n ** BigInt(bits - 1)), 2n ** BigInt(bits - 1) - 1n] : [0n, 2n ** BigInt(bits) - 1n];

/* prettier-ignore */
const TABLE: readonly DataType[] = [
  { onnx: 1, onnxName: 'FLOAT', v2: 'FP32', ort: 'float32', triton: 'TYPE_FP32', numpy: 'f4', array: Float32Array, bytes: 4, json: 'float' },
  { onnx: 2, onnxName: 'UINT8', v2: 'UINT8', ort: 'uint8', triton: 'TYPE_UINT8', numpy: 'u1', array: Uint8Array, bytes: 1, range: int(8, false), json: 'integer' },
  { onnx: 3, onnxName: 'INT8', v2: 'INT8', ort: 'int8', triton: 'TYPE_INT8', numpy: 'i1', array: Int8Array, bytes: 1, range: int(8, true), json: 'integer' },
  { onnx: 4, onnxName: 'UINT16', v2: 'UINT16', ort: 'uint16', triton: 'TYPE_UINT16', numpy: 'u2', array: Uint16Array, bytes: 2, range: int(16, false), json: 'integer' },
  { onnx: 5, onnxName: 'INT16', v2: 'INT16', ort: 'int16', triton: 'TYPE_INT16', numpy: 'i2', array: Int16Array, bytes: 2, range: int(16, true), json: 'integer' },
  { onnx: 6, onnxName: 'INT32', v2: 'INT32', ort: 'int32', triton: 'TYPE_INT32', numpy: 'i4', array: Int32Array, bytes: 4, range: int(32, true), json: 'integer' },
  { onnx: 7, onnxName: 'INT64', v2: 'INT64', ort: 'int64', triton: 'TYPE_INT64', numpy: 'i8', array: BigInt64Array, bytes: 8, range: int(64, true), json: 'integer' },
  { onnx: 8, onnxName: 'STRING', v2: 'BYTES', ort: 'string', triton: 'TYPE_STRING', bytes: 0, json: 'string' },
  { onnx: 9, onnxName: 'BOOL', v2: 'BOOL', ort: 'bool', triton: 'TYPE_BOOL', numpy: 'b1', array: Uint8Array, bytes: 1, json: 'boolean' },
  // Node 20 has no Float16Array: onnxruntime-node carries FP16 as the binary16 bits in a Uint16Array.
  { onnx: 10, onnxName: 'FLOAT16', v2: 'FP16', ort: 'float16', triton: 'TYPE_FP16', numpy: 'f2', array: Uint16Array, bytes: 2, json: 'binary16' },
  { onnx: 11, onnxName: 'DOUBLE', v2: 'FP64', ort: 'float64', triton: 'TYPE_FP64', numpy: 'f8', array: Float64Array, bytes: 8, json: 'float' },
  { onnx: 12, onnxName: 'UINT32', v2: 'UINT32', ort: 'uint32', triton: 'TYPE_UINT32', numpy: 'u4', array: Uint32Array, bytes: 4, range: int(32, false), json: 'integer' },
  { onnx: 13, onnxName: 'UINT64', v2: 'UINT64', ort: 'uint64', triton: 'TYPE_UINT64', numpy: 'u8', array: BigUint64Array, bytes: 8, range: int(64, false), json: 'integer' },
  { onnx: 14, onnxName: 'COMPLEX64', bytes: 8 },
  { onnx: 15, onnxName: 'COMPLEX128', bytes: 16 },
  // V2 names BF16, but onnxruntime-node 1.30 has no bfloat16 tensor: ood reads and writes its bits, cannot run it.
  { onnx: 16, onnxName: 'BFLOAT16', v2: 'BF16', array: Uint16Array, bytes: 2, json: 'bfloat16' },
  { onnx: 17, onnxName: 'FLOAT8E4M3FN', bytes: 1 },
  { onnx: 18, onnxName: 'FLOAT8E4M3FNUZ', bytes: 1 },
  { onnx: 19, onnxName: 'FLOAT8E5M2', bytes: 1 },
  { onnx: 20, onnxName: 'FLOAT8E5M2FNUZ', bytes: 1 },
  { onnx: 21, onnxName: 'UINT4', bytes: 1 },
  { onnx: 22, onnxName: 'INT4', bytes: 1 },
  { onnx: 23, onnxName: 'FLOAT4E2M1', bytes: 1 },
];

/** Every row, in ONNX code order. */
export const DATA_TYPES: readonly DataType[] = TABLE;

function index(key: 'v2' | 'ort' | 'numpy'): ReadonlyMap<string, DataType> {
  return new Map(TABLE.filter((t) => t[key] !== undefined).map((t) => [t[key]!, t]));
}
const BY_ONNX = new Map(TABLE.map((t) => [t.onnx, t]));
const BY_V2 = index('v2');
const BY_ORT = index('ort');
const BY_NUMPY = index('numpy');

export const ONNX_FLOAT = 1;
export const ONNX_INT64 = 7;
export const ONNX_FLOAT16 = 10;
export const ONNX_DOUBLE = 11;

export function dataTypeFromOnnx(code: number): DataType | undefined {
  return BY_ONNX.get(code);
}
export function dataTypeFromV2(name: string): DataType | undefined {
  return BY_V2.get(name);
}
export function dataTypeFromOrt(name: string): DataType | undefined {
  return BY_ORT.get(name);
}
/** The type of a NumPy dtype code such as "f4" (kind + item size). */
export function dataTypeFromNumpy(code: string): DataType | undefined {
  return BY_NUMPY.get(code);
}

/** The KServe V2 name for an ONNX element type, e.g. 1 → "FP32"; unknown codes become "ONNX_<n>". */
export function v2Name(onnxCode: number): string {
  return BY_ONNX.get(onnxCode)?.v2 ?? `ONNX_${BY_ONNX.get(onnxCode)?.onnxName ?? onnxCode}`;
}

/** All V2 datatype names, for schemas. */
export const V2_DATATYPES: readonly string[] = TABLE.filter((t) => t.v2).map((t) => t.v2!);

/** The V2 datatypes onnxruntime-node can run (the ones a request may carry to a model). */
export const RUNNABLE_V2_DATATYPES: readonly string[] = TABLE.filter((t) => t.v2 && t.ort).map((t) => t.v2!);

/** True for floating-point element types (FP16, FP32, FP64, BF16). */
export function isFloatType(onnxCode: number): boolean {
  const json = BY_ONNX.get(onnxCode)?.json;
  return json === 'float' || json === 'binary16' || json === 'bfloat16';
}
