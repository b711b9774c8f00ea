// Field numbers from onnx/onnx.proto (IR version 10, ONNX 1.16+). Only what ood reads or writes is named here;
// every other field is carried through edits as raw bytes.

export const Model = {
  irVersion: 1,
  producerName: 2,
  producerVersion: 3,
  domain: 4,
  modelVersion: 5,
  docString: 6,
  graph: 7,
  opsetImport: 8,
  metadataProps: 14,
  trainingInfo: 20,
  functions: 25,
  configuration: 26,
} as const;

export const Graph = {
  node: 1,
  name: 2,
  initializer: 5,
  docString: 10,
  input: 11,
  output: 12,
  valueInfo: 13,
  quantizationAnnotation: 14,
  sparseInitializer: 15,
  metadataProps: 16,
} as const;

export const Node = { input: 1, output: 2, name: 3, opType: 4, attribute: 5, docString: 6, domain: 7 } as const;

export const Attribute = { name: 1, f: 2, i: 3, s: 4, t: 5, g: 6, floats: 7, ints: 8, strings: 9, type: 20 } as const;

export const AttributeType = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
} as const;

export const ValueInfo = { name: 1, type: 2, docString: 3 } as const;

export const TypeProto = {
  tensorType: 1,
  sequenceType: 4,
  mapType: 5,
  denotation: 6,
  sparseTensorType: 8,
  optionalType: 9,
} as const;

export const TensorType = { elemType: 1, shape: 2 } as const;

export const Shape = { dim: 1 } as const;

export const Dimension = { dimValue: 1, dimParam: 2, denotation: 3 } as const;

export const Tensor = {
  dims: 1,
  dataType: 2,
  floatData: 4,
  int32Data: 5,
  stringData: 6,
  int64Data: 7,
  name: 8,
  rawData: 9,
  doubleData: 10,
  docString: 12,
  externalData: 13,
  dataLocation: 14,
} as const;

export const StringStringEntry = { key: 1, value: 2 } as const;

export const OperatorSetId = { domain: 1, version: 2 } as const;

/** TensorProto.DataLocation.EXTERNAL */
export const DATA_LOCATION_EXTERNAL = 1;

/** Expected wire types of the ModelProto fields, used to tell an ONNX file from arbitrary bytes. */
export const MODEL_WIRE_TYPES: ReadonlyMap<number, number> = new Map([
  [1, 0],
  [2, 2],
  [3, 2],
  [4, 2],
  [5, 0],
  [6, 2],
  [7, 2],
  [8, 2],
  [14, 2],
  [20, 2],
  [25, 2],
  [26, 2],
]);
