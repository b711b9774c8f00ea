// Decoders for the small ONNX messages ood reads (value infos, nodes, attributes, tensor headers, metadata).
// Each takes the message's bytes and ignores fields it does not know; nothing here is used for writing.
import { scanFields, toInt64, readSmallVarint, WIRE_LEN, WIRE_VARINT, WIRE_I32, type FieldRange } from './wire.js';
import * as F from './proto-fields.js';

/** A dimension: a fixed size, a symbolic name, or null when the graph says nothing. */
export type Dim = number | string | null;

export type ValueType =
  | { kind: 'tensor'; elemType: number; shape: Dim[] | null }
  | { kind: 'sequence' | 'map' | 'optional' | 'sparse_tensor' | 'unknown' };

export interface ValueInfo {
  name: string;
  type: ValueType;
  docString: string;
}

export interface AttributeInfo {
  name: string;
  type: number;
  f?: number;
  i?: bigint;
  s?: string;
  floats?: number[];
  ints?: bigint[];
}

export interface NodeInfo {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: AttributeInfo[];
}

export interface ExternalDataRef {
  location: string;
  offset?: number;
  length?: number;
}

export interface TensorHeader {
  name: string;
  dataType: number;
  dims: bigint[];
  external: ExternalDataRef | null;
}

const utf8 = new TextDecoder('utf-8');

export function decodeString(buf: Uint8Array, f: FieldRange): string {
  return utf8.decode(buf.subarray(f.valueStart, f.end));
}

/** Repeated integer fields may come packed (LEN) or one per tag (VARINT); accept both. */
function pushVarints(buf: Uint8Array, f: FieldRange, out: bigint[]): void {
  if (f.wireType === WIRE_VARINT) {
    out.push(toInt64(f.varint!));
    return;
  }
  if (f.wireType !== WIRE_LEN) return;
  let pos = f.valueStart;
  while (pos < f.end) {
    const [v, next] = readSmallVarintBig(buf, pos, f.end);
    out.push(v);
    pos = next;
  }
}

function readSmallVarintBig(buf: Uint8Array, pos: number, end: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  while (pos < end) {
    const byte = buf[pos++]!;
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [toInt64(result), pos];
    shift += 7n;
  }
  return [toInt64(result), pos];
}

function readFloat(buf: Uint8Array, pos: number): number {
  return new DataView(buf.buffer, buf.byteOffset + pos, 4).getFloat32(0, true);
}

export function decodeDim(buf: Uint8Array): Dim {
  let dim: Dim = null;
  for (const f of scanFields(buf)) {
    if (f.field === F.Dimension.dimValue && f.wireType === WIRE_VARINT) dim = Number(toInt64(f.varint!));
    else if (f.field === F.Dimension.dimParam && f.wireType === WIRE_LEN) dim = decodeString(buf, f);
  }
  return dim;
}

export function decodeType(buf: Uint8Array): ValueType {
  for (const f of scanFields(buf)) {
    if (f.wireType !== WIRE_LEN) continue;
    if (f.field === F.TypeProto.tensorType) {
      const inner = buf.subarray(f.valueStart, f.end);
      let elemType = 0;
      let shape: Dim[] | null = null;
      for (const g of scanFields(inner)) {
        if (g.field === F.TensorType.elemType && g.wireType === WIRE_VARINT) elemType = Number(g.varint!);
        if (g.field === F.TensorType.shape && g.wireType === WIRE_LEN) {
          const shapeBuf = inner.subarray(g.valueStart, g.end);
          shape = scanFields(shapeBuf)
            .filter((d) => d.field === F.Shape.dim && d.wireType === WIRE_LEN)
            .map((d) => decodeDim(shapeBuf.subarray(d.valueStart, d.end)));
        }
      }
      return { kind: 'tensor', elemType, shape };
    }
    if (f.field === F.TypeProto.sequenceType) return { kind: 'sequence' };
    if (f.field === F.TypeProto.mapType) return { kind: 'map' };
    if (f.field === F.TypeProto.optionalType) return { kind: 'optional' };
    if (f.field === F.TypeProto.sparseTensorType) return { kind: 'sparse_tensor' };
  }
  return { kind: 'unknown' };
}

export function decodeValueInfo(buf: Uint8Array): ValueInfo {
  const info: ValueInfo = { name: '', type: { kind: 'unknown' }, docString: '' };
  for (const f of scanFields(buf)) {
    if (f.wireType !== WIRE_LEN) continue;
    if (f.field === F.ValueInfo.name) info.name = decodeString(buf, f);
    else if (f.field === F.ValueInfo.type) info.type = decodeType(buf.subarray(f.valueStart, f.end));
    else if (f.field === F.ValueInfo.docString) info.docString = decodeString(buf, f);
  }
  return info;
}

export function decodeAttribute(buf: Uint8Array): AttributeInfo {
  const attr: AttributeInfo = { name: '', type: 0 };
  for (const f of scanFields(buf)) {
    switch (f.field) {
      case F.Attribute.name:
        attr.name = decodeString(buf, f);
        break;
      case F.Attribute.type:
        attr.type = Number(f.varint ?? 0n);
        break;
      case F.Attribute.f:
        if (f.wireType === WIRE_I32) attr.f = readFloat(buf, f.valueStart);
        break;
      case F.Attribute.i:
        if (f.wireType === WIRE_VARINT) attr.i = toInt64(f.varint!);
        break;
      case F.Attribute.s:
        if (f.wireType === WIRE_LEN) attr.s = decodeString(buf, f);
        break;
      case F.Attribute.ints:
        pushVarints(buf, f, (attr.ints ??= []));
        break;
      case F.Attribute.floats:
        attr.floats ??= [];
        if (f.wireType === WIRE_I32) attr.floats.push(readFloat(buf, f.valueStart));
        else if (f.wireType === WIRE_LEN)
          for (let p = f.valueStart; p + 4 <= f.end; p += 4) attr.floats.push(readFloat(buf, p));
        break;
    }
  }
  return attr;
}

export function decodeNode(buf: Uint8Array): NodeInfo {
  const node: NodeInfo = { name: '', opType: '', domain: '', inputs: [], outputs: [], attributes: [] };
  for (const f of scanFields(buf)) {
    if (f.wireType !== WIRE_LEN) continue;
    switch (f.field) {
      case F.Node.input:
        node.inputs.push(decodeString(buf, f));
        break;
      case F.Node.output:
        node.outputs.push(decodeString(buf, f));
        break;
      case F.Node.name:
        node.name = decodeString(buf, f);
        break;
      case F.Node.opType:
        node.opType = decodeString(buf, f);
        break;
      case F.Node.domain:
        node.domain = decodeString(buf, f);
        break;
      case F.Node.attribute:
        node.attributes.push(decodeAttribute(buf.subarray(f.valueStart, f.end)));
        break;
    }
  }
  return node;
}

export function decodeStringEntry(buf: Uint8Array): { key: string; value: string } {
  const entry = { key: '', value: '' };
  for (const f of scanFields(buf)) {
    if (f.wireType !== WIRE_LEN) continue;
    if (f.field === F.StringStringEntry.key) entry.key = decodeString(buf, f);
    else if (f.field === F.StringStringEntry.value) entry.value = decodeString(buf, f);
  }
  return entry;
}

export function decodeOpset(buf: Uint8Array): { domain: string; version: number } {
  const opset = { domain: '', version: 0 };
  for (const f of scanFields(buf)) {
    if (f.field === F.OperatorSetId.domain && f.wireType === WIRE_LEN) opset.domain = decodeString(buf, f);
    else if (f.field === F.OperatorSetId.version && f.wireType === WIRE_VARINT) opset.version = Number(f.varint!);
  }
  return opset;
}

/** Decode a tensor's header from its field list; payload fields (raw_data, *_data) are never read. */
export function decodeTensorHeader(fields: FieldRange[], readBytes: (f: FieldRange) => Uint8Array): TensorHeader {
  const header: TensorHeader = { name: '', dataType: 0, dims: [], external: null };
  let external = false;
  const entries: Record<string, string> = {};
  for (const f of fields) {
    if (f.field === F.Tensor.name && f.wireType === WIRE_LEN) header.name = utf8.decode(readBytes(f));
    else if (f.field === F.Tensor.dataType && f.wireType === WIRE_VARINT) header.dataType = Number(f.varint!);
    else if (f.field === F.Tensor.dims) {
      const bytes = f.wireType === WIRE_LEN ? readBytes(f) : new Uint8Array();
      if (f.wireType === WIRE_VARINT) header.dims.push(toInt64(f.varint!));
      else pushVarints(bytes, { ...f, valueStart: 0, end: bytes.length }, header.dims);
    } else if (f.field === F.Tensor.dataLocation && f.wireType === WIRE_VARINT) {
      external = Number(f.varint!) === F.DATA_LOCATION_EXTERNAL;
    } else if (f.field === F.Tensor.externalData && f.wireType === WIRE_LEN) {
      const e = decodeStringEntry(readBytes(f));
      entries[e.key] = e.value;
    }
  }
  if (external && entries.location !== undefined) {
    header.external = {
      location: entries.location,
      offset: entries.offset === undefined ? undefined : Number(entries.offset),
      length: entries.length === undefined ? undefined : Number(entries.length),
    };
  }
  return header;
}

export { readSmallVarint };
