// The KServe V2 binary tensor data extension: the body is a JSON header of `Inference-Header-Content-Length`
// bytes followed by raw tensors, each sized by its `binary_data_size` parameter, in the order of the tensors
// that declare one. Little-endian, row-major; BOOL one byte; BYTES a 4-byte little-endian length then the bytes.
import { OodError } from '../errors.js';
import { elementCount, runnableDataType, type NamedTensor, type Tensor } from './tensor.js';

/** Split a body into its JSON header and the binary section that follows it. */
export function splitBinaryBody(body: Buffer, headerLength: string | undefined): { json: Buffer; binary: Buffer } {
  if (headerLength === undefined) return { json: body, binary: body.subarray(body.length) };
  const n = Number(headerLength);
  if (!Number.isInteger(n) || n < 0 || n > body.length) {
    throw new OodError(
      'BAD_BINARY_HEADER',
      `Inference-Header-Content-Length is ${headerLength}, but the body has ${body.length} bytes`,
      { hint: 'Set the header to the byte length of the JSON part that starts the body.' },
    );
  }
  return { json: body.subarray(0, n), binary: body.subarray(n) };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * One BYTES element, or a 400: onnxruntime-node takes strings as NUL-terminated UTF-8, so bytes that are not
 * UTF-8 (which Buffer#toString would silently turn into U+FFFD) or hold a NUL cannot reach the model unchanged.
 */
function decodeElement(name: string, index: number, bytes: Buffer): string {
  const nul = bytes.indexOf(0);
  let problem: string | undefined;
  if (nul >= 0) problem = `holds a NUL byte at offset ${nul}, which onnxruntime's strings cannot carry`;
  else {
    try {
      return UTF8.decode(bytes);
    } catch {
      problem = 'is not valid UTF-8';
    }
  }
  throw new OodError('BAD_TENSOR_DATA', `input "${name}": BYTES element ${index} ${problem}`, {
    hint: 'BYTES reach onnxruntime as NUL-terminated UTF-8: remove the byte, or send raw bytes as UINT8.',
  });
}

function decodeStrings(name: string, shape: readonly number[], bytes: Buffer): string[] {
  const count = elementCount(shape);
  const out: string[] = [];
  let at = 0;
  while (at + 4 <= bytes.length) {
    const len = bytes.readUInt32LE(at);
    at += 4;
    if (at + len > bytes.length) break;
    out.push(decodeElement(name, out.length, bytes.subarray(at, at + len)));
    at += len;
  }
  if (at !== bytes.length || out.length !== count) {
    throw new OodError(
      'ELEMENT_COUNT_MISMATCH',
      `input "${name}": shape [${shape.join(', ')}] needs ${count} BYTES elements, the binary data holds ${out.length}${at !== bytes.length ? ' and trailing bytes' : ''}`,
    );
  }
  return out;
}

/** Decode one tensor's raw little-endian bytes (copied, so the result is aligned and owns its memory). */
export function decodeBinaryTensor(
  name: string,
  datatype: string,
  shape: readonly number[],
  bytes: Buffer,
): NamedTensor {
  const type = runnableDataType(datatype, name);
  if (!type.array) return { name, datatype, shape: [...shape], data: decodeStrings(name, shape, bytes) };
  const count = elementCount(shape);
  if (bytes.length !== count * type.bytes) {
    throw new OodError(
      'ELEMENT_COUNT_MISMATCH',
      `input "${name}": shape [${shape.join(', ')}] of ${datatype} needs ${count * type.bytes} bytes, binary_data_size is ${bytes.length}`,
    );
  }
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return { name, datatype, shape: [...shape], data: new type.array(copy.buffer, 0, count) };
}

/** Raw bytes of an output tensor for a binary response. */
export function encodeBinaryTensor(tensor: Tensor): Buffer {
  if (tensor.datatype === 'BYTES') {
    const parts: Buffer[] = [];
    for (const s of Array.from(tensor.data as ArrayLike<string>)) {
      const b = Buffer.from(String(s), 'utf8');
      const len = Buffer.alloc(4);
      len.writeUInt32LE(b.length);
      parts.push(len, b);
    }
    return Buffer.concat(parts);
  }
  const data = tensor.data as unknown as ArrayBufferView;
  if (tensor.datatype === 'BOOL' && !(data instanceof Uint8Array)) {
    return Buffer.from(Array.from(tensor.data as ArrayLike<unknown>, (v) => (v ? 1 : 0)));
  }
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
