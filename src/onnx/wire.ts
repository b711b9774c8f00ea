// Protocol Buffers wire format (https://protobuf.dev/programming-guides/encoding/): just enough to scan a
// message into field ranges, decode the small fields we read, and encode the fields we add. Working on byte
// ranges rather than decoded objects is what keeps edits lossless: untouched fields are copied as bytes.
import { OodError } from '../errors.js';

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

/** One field occurrence inside a message, located by absolute byte offsets. */
export interface FieldRange {
  field: number;
  wireType: number;
  /** Offset of the tag: the field occupies [start, end). */
  start: number;
  /** Offset of the payload (after the length prefix for LEN fields). */
  valueStart: number;
  end: number;
  /** For VARINT fields: the decoded value. */
  varint?: bigint;
}

export function truncated(where: string): OodError {
  return new OodError('ONNX_TRUNCATED', `the ONNX file is truncated or corrupt (${where})`, {
    hint: 'Re-export or re-download the model; the file ends in the middle of a protobuf field.',
    details: { where },
  });
}

/** Decode a varint at `pos` in `buf`. Returns the value and the offset after it. */
export function readVarint(buf: Uint8Array, pos: number, limit = buf.length): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    if (pos >= limit) throw truncated('varint runs past the end');
    const byte = buf[pos++]!;
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [result, pos];
    shift += 7n;
  }
  throw new OodError('ONNX_CORRUPT', 'the ONNX file is corrupt (varint longer than 10 bytes)', {
    hint: 'The file is not a valid protobuf; re-export the model.',
  });
}

/** Fast path for varints that fit in a JS number (lengths, tags, enum values). */
export function readSmallVarint(buf: Uint8Array, pos: number, limit = buf.length): [number, number] {
  let result = 0;
  let multiplier = 1;
  for (let i = 0; i < 8; i++) {
    if (pos >= limit) throw truncated('varint runs past the end');
    const byte = buf[pos++]!;
    result += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) return [result, pos];
    multiplier *= 128;
  }
  const [big, next] = readVarint(buf, pos - 8, limit);
  if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw truncated('length larger than any file');
  return [Number(big), next];
}

/** Interpret an unsigned 64-bit varint as the signed int64 protobuf stores. */
export function toInt64(value: bigint): bigint {
  return BigInt.asIntN(64, value);
}

/** Parse the field header at `pos`: tag, and for LEN fields the payload bounds. */
export function readFieldHeader(buf: Uint8Array, pos: number, limit: number): FieldRange {
  const start = pos;
  const [tag, afterTag] = readSmallVarint(buf, pos, limit);
  const field = Math.floor(tag / 8);
  const wireType = tag & 7;
  if (field === 0) throw truncated('field number 0');
  switch (wireType) {
    case WIRE_VARINT: {
      const [value, end] = readVarint(buf, afterTag, limit);
      return { field, wireType, start, valueStart: afterTag, end, varint: value };
    }
    case WIRE_I64:
      return { field, wireType, start, valueStart: afterTag, end: afterTag + 8 };
    case WIRE_I32:
      return { field, wireType, start, valueStart: afterTag, end: afterTag + 4 };
    case WIRE_LEN: {
      const [length, valueStart] = readSmallVarint(buf, afterTag, limit);
      return { field, wireType, start, valueStart, end: valueStart + length };
    }
    default:
      throw new OodError(
        'ONNX_CORRUPT',
        `the file is not a valid ONNX protobuf (wire type ${wireType} at byte ${start})`,
        {
          hint: 'Check that the file is an ONNX model (.onnx), not another format.',
        },
      );
  }
}

/** Scan all fields of a message held in memory. */
export function scanFields(buf: Uint8Array, start = 0, end = buf.length): FieldRange[] {
  const fields: FieldRange[] = [];
  let pos = start;
  while (pos < end) {
    const f = readFieldHeader(buf, pos, end);
    if (f.end > end) throw truncated(`field ${f.field} runs past its message`);
    fields.push(f);
    pos = f.end;
  }
  return fields;
}

// ---- encoding ----

export function encodeVarint(value: number | bigint): Buffer {
  let v = BigInt.asUintN(64, BigInt(value));
  const bytes: number[] = [];
  while (v >= 0x80n) {
    bytes.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  bytes.push(Number(v));
  return Buffer.from(bytes);
}

export function encodeTag(field: number, wireType: number): Buffer {
  return encodeVarint(field * 8 + wireType);
}

/** A LEN field whose payload is the concatenation of `parts`. */
export function lenField(field: number, ...parts: Uint8Array[]): Buffer {
  const length = parts.reduce((n, p) => n + p.length, 0);
  return Buffer.concat([encodeTag(field, WIRE_LEN), encodeVarint(length), ...parts]);
}

export function stringField(field: number, value: string): Buffer {
  return lenField(field, Buffer.from(value, 'utf8'));
}

export function varintField(field: number, value: number | bigint): Buffer {
  return Buffer.concat([encodeTag(field, WIRE_VARINT), encodeVarint(value)]);
}

export function floatField(field: number, value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeFloatLE(value);
  return Buffer.concat([encodeTag(field, WIRE_I32), b]);
}

/** Packed repeated int64 (e.g. TensorProto.dims, AttributeProto.ints). */
export function packedVarints(field: number, values: readonly (number | bigint)[]): Buffer {
  return lenField(field, ...values.map((v) => encodeVarint(v)));
}

/** Packed repeated float (e.g. TensorProto.float_data, AttributeProto.floats). */
export function packedFloats(field: number, values: ArrayLike<number>): Buffer {
  const b = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) b.writeFloatLE(values[i]!, i * 4);
  return lenField(field, b);
}
