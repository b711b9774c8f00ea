// The binary tensor data extension's "Raw Binary Request" (Triton, docs/protocol/extension_binary_data.md):
// `Inference-Header-Content-Length: 0` says the body has no JSON header and is the one input tensor's raw bytes.
// The extension allows it for models that "Only ha[ve] 1 input" and whose shape can be deduced from the byte
// size: "If the input data type is non-BYTE, the number of variable size dimensions is at most 1. If the data type
// is BYTE, the shape must be [1]", and "all the model output will be requested to be returned in binary tensor
// form".
import { OodError } from '../errors.js';
import type { TensorSpec } from '../artifact/spec.js';
import { decodeBinaryTensor } from '../tensor/binary-codec.js';
import { runnableDataType } from '../tensor/tensor.js';
import { formatShape } from './v2-input-check.js';
import type { DecodedRequest, Signature } from './v2-request.js';

function refuse(why: string): OodError {
  return new OodError('RAW_BINARY_UNSUPPORTED', `a raw binary request (Inference-Header-Content-Length: 0) ${why}`, {
    hint: 'Send a JSON header first and set Inference-Header-Content-Length to its byte length (binary tensor data extension).',
  });
}

const isVariable = (d: number | string) => typeof d !== 'number' || d < 0;

/**
 * The shape of the one input, deduced from the body's size. With one variable dimension, its size is the bytes
 * over the fixed part. Triton's models separate the batch dimension and fix it to 1 here ("the request will be
 * treated as batch-1 request"); an ONNX signature has no separate batch dimension, so a variable first dimension
 * next to one other variable dimension is fixed to 1, as Triton does, and otherwise counted like any other.
 */
function deduceShape(spec: TensorSpec, elementBytes: number, bodyBytes: number): number[] {
  const variable = spec.shape.filter(isVariable).length;
  const shape = spec.shape.map((d) => (isVariable(d) ? -1 : (d as number)));
  if (variable === 2 && shape[0] === -1) shape[0] = 1;
  const open = shape.filter((d) => d === -1).length;
  if (open > 1) {
    throw refuse(
      `needs a model input with at most one variable dimension; "${spec.name}" is ${formatShape(spec.shape)}`,
    );
  }
  const fixed = shape.reduce((n, d) => (d === -1 ? n : n * d), 1) * elementBytes;
  const count = (what: string) =>
    new OodError(
      'ELEMENT_COUNT_MISMATCH',
      `input "${spec.name}": ${what} (${spec.datatype} ${formatShape(spec.shape)}), the raw body has ${bodyBytes} bytes`,
    );
  if (open === 0) {
    if (bodyBytes !== fixed) throw count(`shape ${formatShape(shape)} needs ${fixed} bytes`);
    return shape;
  }
  // A zero-sized fixed part takes only an empty body; the variable dimension is then 0 too.
  if (fixed === 0 ? bodyBytes !== 0 : bodyBytes % fixed !== 0)
    throw count(`the body must be a whole number of ${fixed}-byte slices`);
  return shape.map((d) => (d === -1 ? (fixed === 0 ? 0 : bodyBytes / fixed) : d));
}

/** Decode a header-less body as the model's one input; every output goes back binary. */
export function decodeRawBinaryRequest(body: Buffer, signature: Signature): DecodedRequest {
  if (signature.inputs.length !== 1) {
    const names = signature.inputs.map((t) => `"${t.name}"`).join(', ');
    throw refuse(`needs a model with exactly one input; this model takes ${signature.inputs.length}: ${names}`);
  }
  const spec = signature.inputs[0]!;
  const type = runnableDataType(spec.datatype, spec.name);
  let shape: number[];
  let bytes = body;
  if (type.array) shape = deduceShape(spec, type.bytes, body.length);
  else {
    // BYTES: "the shape must be [1]", and the body is that one element's bytes (no length prefix: the body
    // length is the element's length).
    const fits = spec.shape.length === 1 && (isVariable(spec.shape[0]!) || spec.shape[0] === 1);
    if (!fits) throw refuse(`of BYTES needs an input of shape [1]; "${spec.name}" is ${formatShape(spec.shape)}`);
    shape = [1];
    const length = Buffer.alloc(4);
    length.writeUInt32LE(body.length);
    bytes = Buffer.concat([length, body]);
  }
  const input = decodeBinaryTensor(spec.name, spec.datatype, shape, bytes);
  return {
    inputs: [input],
    binaryOutputs: new Set(signature.outputs.map((t) => t.name)),
    classification: new Map(),
  };
}
