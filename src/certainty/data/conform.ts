// Check a sample's tensor against the model input it feeds, and convert between element types of one family
// (float64 → float32 as numpy saves by default, int32 → int64, ...). Anything else is a mismatch that names
// the sample, the input and what differs.
import { OodError } from '../../errors.js';
import type { ValueInfo } from '../../onnx/decode.js';
import { dataTypeFromOnnx } from '../../onnx/dtypes.js';
import { ARRAY_FOR_TYPE, type HostTensor } from './host-tensor.js';
import { toHalfBits } from '../../onnx/float16.js';

const FLOATS = new Set(['float16', 'float32', 'float64']);
const INTS = new Set(['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64']);

/** The error for a sample that does not fit the model's inputs. */
export function dataMismatch(sample: string, input: string, problem: string): OodError {
  return new OodError('DATA_MISMATCH', `sample ${sample}: input "${input}" ${problem}`, {
    hint: "Make the data match the model's input signature (see `ood introspect MODEL`), or pass the right model.",
    details: { sample, input, problem },
  });
}

/** The onnxruntime-node type a model input takes, or a mismatch error if ood cannot feed it. */
export function inputOrtType(input: ValueInfo, sample: string): string {
  const t = input.type;
  const ort = t.kind === 'tensor' ? dataTypeFromOnnx(t.elemType)?.ort : undefined;
  if (!ort || ort === 'string')
    throw dataMismatch(sample, input.name, 'is not a numeric tensor; calibration cannot feed it');
  return ort;
}

const fmt = (dims: readonly (number | string | null)[]) => `[${dims.map((d) => d ?? '?').join(', ')}]`;

/** Validate `tensor` for `input` (rank, fixed dims after the batch axis, type family) and convert its type. */
export function conformTensor(tensor: HostTensor, input: ValueInfo, sample: string): HostTensor {
  const want = checkSignature(tensor.type, tensor.dims, input, sample);
  if (tensor.type === want) return tensor;
  return { type: want, dims: tensor.dims, data: convert(tensor, want) };
}

/** Check a tensor's type and dims against `input` without touching data; returns the type to convert to. */
export function checkSignature(type: string, dims: readonly number[], input: ValueInfo, sample: string): string {
  const tensor = { type, dims };
  const want = inputOrtType(input, sample);
  const shape = input.type.kind === 'tensor' ? input.type.shape : null;
  if (shape) {
    if (shape.length !== tensor.dims.length) {
      throw dataMismatch(
        sample,
        input.name,
        `has shape ${fmt(tensor.dims)} (rank ${tensor.dims.length}); the model expects ${fmt(shape)} (rank ${shape.length})`,
      );
    }
    for (let i = 1; i < shape.length; i++) {
      const d = shape[i];
      if (typeof d === 'number' && d !== tensor.dims[i]) {
        throw dataMismatch(
          sample,
          input.name,
          `has shape ${fmt(tensor.dims)}; the model expects ${fmt(shape)} (dimension ${i} is ${tensor.dims[i]}, not ${d})`,
        );
      }
    }
  }
  if (tensor.type === want) return want;
  const sameFamily = (FLOATS.has(tensor.type) && FLOATS.has(want)) || (INTS.has(tensor.type) && INTS.has(want));
  if (!sameFamily) throw dataMismatch(sample, input.name, `has element type ${tensor.type}; the model expects ${want}`);
  return want;
}

function convert(t: HostTensor, to: string): HostTensor['data'] {
  const out = new ARRAY_FOR_TYPE[to]!(t.data.length);
  const big = to === 'int64' || to === 'uint64';
  for (let i = 0; i < t.data.length; i++) {
    const v = t.type === 'float16' ? fromFloat16Bits(t.data[i] as number) : Number(t.data[i]);
    if (big) (out as BigInt64Array)[i] = BigInt(v);
    else out[i] = to === 'float16' ? toHalfBits(v) : v;
  }
  return out;
}

/** A float16 bit pattern as a number. */
export function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? Number.NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}
