// Tensor element types across the three vocabularies we meet: ONNX TensorProto.DataType (onnx.proto3, IR 10),
// the KServe V2 / Open Inference Protocol datatype names, and onnxruntime-node's tensor type strings.

export interface DataTypeInfo {
  onnx: number;
  onnxName: string;
  /** KServe V2 name, or undefined when V2 has none. */
  v2?: string;
  /** onnxruntime-node Tensor type, or undefined when the JS binding cannot carry it. */
  ort?: string;
  /** Bytes per element; 0 for variable-size (strings). */
  bytes: number;
}

const TABLE: DataTypeInfo[] = [
  { onnx: 1, onnxName: 'FLOAT', v2: 'FP32', ort: 'float32', bytes: 4 },
  { onnx: 2, onnxName: 'UINT8', v2: 'UINT8', ort: 'uint8', bytes: 1 },
  { onnx: 3, onnxName: 'INT8', v2: 'INT8', ort: 'int8', bytes: 1 },
  { onnx: 4, onnxName: 'UINT16', v2: 'UINT16', ort: 'uint16', bytes: 2 },
  { onnx: 5, onnxName: 'INT16', v2: 'INT16', ort: 'int16', bytes: 2 },
  { onnx: 6, onnxName: 'INT32', v2: 'INT32', ort: 'int32', bytes: 4 },
  { onnx: 7, onnxName: 'INT64', v2: 'INT64', ort: 'int64', bytes: 8 },
  { onnx: 8, onnxName: 'STRING', v2: 'BYTES', ort: 'string', bytes: 0 },
  { onnx: 9, onnxName: 'BOOL', v2: 'BOOL', ort: 'bool', bytes: 1 },
  { onnx: 10, onnxName: 'FLOAT16', v2: 'FP16', ort: 'float16', bytes: 2 },
  { onnx: 11, onnxName: 'DOUBLE', v2: 'FP64', ort: 'float64', bytes: 8 },
  { onnx: 12, onnxName: 'UINT32', v2: 'UINT32', ort: 'uint32', bytes: 4 },
  { onnx: 13, onnxName: 'UINT64', v2: 'UINT64', ort: 'uint64', bytes: 8 },
  { onnx: 14, onnxName: 'COMPLEX64', bytes: 8 },
  { onnx: 15, onnxName: 'COMPLEX128', bytes: 16 },
  { onnx: 16, onnxName: 'BFLOAT16', v2: 'BF16', bytes: 2 },
  { onnx: 17, onnxName: 'FLOAT8E4M3FN', bytes: 1 },
  { onnx: 18, onnxName: 'FLOAT8E4M3FNUZ', bytes: 1 },
  { onnx: 19, onnxName: 'FLOAT8E5M2', bytes: 1 },
  { onnx: 20, onnxName: 'FLOAT8E5M2FNUZ', bytes: 1 },
  { onnx: 21, onnxName: 'UINT4', bytes: 1 },
  { onnx: 22, onnxName: 'INT4', bytes: 1 },
  { onnx: 23, onnxName: 'FLOAT4E2M1', bytes: 1 },
];

const BY_ONNX = new Map(TABLE.map((t) => [t.onnx, t]));
const BY_V2 = new Map(TABLE.filter((t) => t.v2).map((t) => [t.v2!, t]));
const BY_ORT = new Map(TABLE.filter((t) => t.ort).map((t) => [t.ort!, t]));

export const ONNX_FLOAT = 1;
export const ONNX_INT64 = 7;
export const ONNX_DOUBLE = 11;
export const ONNX_FLOAT16 = 10;

export function dataTypeFromOnnx(code: number): DataTypeInfo | undefined {
  return BY_ONNX.get(code);
}
export function dataTypeFromV2(name: string): DataTypeInfo | undefined {
  return BY_V2.get(name);
}
export function dataTypeFromOrt(name: string): DataTypeInfo | undefined {
  return BY_ORT.get(name);
}

/** The KServe V2 name for an ONNX element type, e.g. 1 → "FP32"; unknown codes become "ONNX_<n>". */
export function v2Name(onnxCode: number): string {
  return BY_ONNX.get(onnxCode)?.v2 ?? `ONNX_${BY_ONNX.get(onnxCode)?.onnxName ?? onnxCode}`;
}

/** All V2 datatype names, for schemas. */
export const V2_DATATYPES: readonly string[] = TABLE.filter((t) => t.v2).map((t) => t.v2!);

/** True for floating-point element types (FP16, FP32, FP64, BF16). */
export function isFloatType(onnxCode: number): boolean {
  return onnxCode === 1 || onnxCode === 10 || onnxCode === 11 || onnxCode === 16;
}
