// Builders for the ONNX messages an edit appends: nodes, attributes, initializers, value infos, metadata.
// Each returns the serialized field, ready for ModelEdit.appendGraph / appendTop.
import { lenField, stringField, varintField, floatField, encodeTag, encodeVarint, WIRE_VARINT } from './wire.js';
import * as F from './proto-fields.js';
import type { Dim } from './decode.js';

export type AttributeValue =
  | { float: number }
  | { int: number | bigint }
  | { string: string }
  | { ints: readonly (number | bigint)[] }
  | { floats: readonly number[] };

function encodeAttribute(name: string, value: AttributeValue): Buffer {
  const parts: Buffer[] = [stringField(F.Attribute.name, name)];
  if ('float' in value)
    parts.push(floatField(F.Attribute.f, value.float), varintField(F.Attribute.type, F.AttributeType.FLOAT));
  else if ('int' in value)
    parts.push(varintField(F.Attribute.i, value.int), varintField(F.Attribute.type, F.AttributeType.INT));
  else if ('string' in value)
    parts.push(stringField(F.Attribute.s, value.string), varintField(F.Attribute.type, F.AttributeType.STRING));
  else if ('ints' in value) {
    // proto2 repeated scalars without [packed=true]: one tag per element, as the onnx package writes them.
    for (const i of value.ints) parts.push(Buffer.concat([encodeTag(F.Attribute.ints, WIRE_VARINT), encodeVarint(i)]));
    parts.push(varintField(F.Attribute.type, F.AttributeType.INTS));
  } else {
    for (const f of value.floats) parts.push(floatField(F.Attribute.floats, f));
    parts.push(varintField(F.Attribute.type, F.AttributeType.FLOATS));
  }
  return Buffer.concat(parts);
}

export interface NodeSpec {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name: string;
  domain?: string;
  attributes?: Record<string, AttributeValue>;
}

/** A GraphProto.node field. */
export function encodeNode(spec: NodeSpec): Buffer {
  const parts: Buffer[] = [];
  for (const i of spec.inputs) parts.push(stringField(F.Node.input, i));
  for (const o of spec.outputs) parts.push(stringField(F.Node.output, o));
  parts.push(stringField(F.Node.name, spec.name), stringField(F.Node.opType, spec.opType));
  for (const [name, value] of Object.entries(spec.attributes ?? {}))
    parts.push(lenField(F.Node.attribute, encodeAttribute(name, value)));
  if (spec.domain) parts.push(stringField(F.Node.domain, spec.domain));
  return lenField(F.Graph.node, ...parts);
}

/** A TensorProto body with raw little-endian data. */
export function encodeTensorBody(name: string, dataType: number, dims: readonly number[], raw: Uint8Array): Buffer {
  const parts: Buffer[] = [];
  for (const d of dims) parts.push(varintField(F.Tensor.dims, d));
  parts.push(
    varintField(F.Tensor.dataType, dataType),
    stringField(F.Tensor.name, name),
    lenField(F.Tensor.rawData, raw),
  );
  return Buffer.concat(parts);
}

/** A GraphProto.initializer field holding float32 values. */
export function encodeFloatInitializer(name: string, dims: readonly number[], values: ArrayLike<number>): Buffer {
  const raw = Buffer.from(Float32Array.from(values).buffer);
  return lenField(F.Graph.initializer, encodeTensorBody(name, 1, dims, raw));
}

/** A GraphProto.initializer field holding int64 values. */
export function encodeInt64Initializer(
  name: string,
  dims: readonly number[],
  values: readonly (number | bigint)[],
): Buffer {
  const raw = Buffer.from(BigInt64Array.from(values.map((v) => BigInt(v))).buffer);
  return lenField(F.Graph.initializer, encodeTensorBody(name, 7, dims, raw));
}

/** A ValueInfoProto body for a tensor. */
export function encodeTensorValueInfo(
  name: string,
  elemType: number,
  shape: readonly Dim[] | null,
  docString = '',
): Buffer {
  const tensorParts: Buffer[] = [varintField(F.TensorType.elemType, elemType)];
  if (shape) {
    const dims = shape.map((d) =>
      lenField(
        F.Shape.dim,
        typeof d === 'number'
          ? varintField(F.Dimension.dimValue, d)
          : typeof d === 'string'
            ? stringField(F.Dimension.dimParam, d)
            : Buffer.alloc(0),
      ),
    );
    tensorParts.push(lenField(F.TensorType.shape, ...dims));
  }
  const parts = [
    stringField(F.ValueInfo.name, name),
    lenField(F.ValueInfo.type, lenField(F.TypeProto.tensorType, ...tensorParts)),
  ];
  if (docString) parts.push(stringField(F.ValueInfo.docString, docString));
  return Buffer.concat(parts);
}

/** A GraphProto.output field. */
export function encodeGraphOutput(
  name: string,
  elemType: number,
  shape: readonly Dim[] | null,
  docString = '',
): Buffer {
  return lenField(F.Graph.output, encodeTensorValueInfo(name, elemType, shape, docString));
}

/** A ModelProto.metadata_props field. */
export function encodeMetadataEntry(key: string, value: string): Buffer {
  return lenField(
    F.Model.metadataProps,
    stringField(F.StringStringEntry.key, key),
    stringField(F.StringStringEntry.value, value),
  );
}

/** A ModelProto.opset_import field. */
export function encodeOpsetImport(domain: string, version: number): Buffer {
  const parts = [];
  if (domain) parts.push(stringField(F.OperatorSetId.domain, domain));
  parts.push(varintField(F.OperatorSetId.version, version));
  return lenField(F.Model.opsetImport, ...parts);
}
