// Check a sample's tensor against the model input it feeds, and convert between element types of one family
// (float64 → float32 as numpy saves by default, int32 → int64, ...). Anything else is a mismatch that names
// the sample, the input and what differs (in NumPy's / onnxruntime's type names, which data files use).
import { OodError } from '../../errors.js';
import type { ValueInfo } from '../../onnx/decode.js';
import { dataTypeFromOnnx, dataTypeFromV2 } from '../../tensor/datatypes.js';
import { convertTensor, type Tensor } from '../../tensor/tensor.js';

/** The error for a sample that does not fit the model's inputs. */
export function dataMismatch(sample: string, input: string, problem: string): OodError {
  return new OodError('DATA_MISMATCH', `sample ${sample}: input "${input}" ${problem}`, {
    hint: "Make the data match the model's input signature (see `ood inspect MODEL`), or pass the right model.",
    details: { sample, input, problem },
  });
}

/** The V2 datatype a model input takes, or a mismatch error if ood cannot feed it. */
export function inputDatatype(input: ValueInfo, sample: string): string {
  const t = input.type;
  const type = t.kind === 'tensor' ? dataTypeFromOnnx(t.elemType) : undefined;
  if (!type?.ort || !type.array)
    throw dataMismatch(sample, input.name, 'is not a numeric tensor; calibration cannot feed it');
  return type.v2!;
}

const fmt = (dims: readonly (number | string | null)[]) => `[${dims.map((d) => d ?? '?').join(', ')}]`;

/** Validate `tensor` for `input` (rank, fixed dims after the batch axis, type family) and convert its type. */
export function conformTensor(tensor: Tensor, input: ValueInfo, sample: string): Tensor {
  return convertTensor(tensor, checkSignature(tensor.datatype, tensor.shape, input, sample));
}

/** A type's family for conversion: floats convert among floats, integers among integers, BOOL to nothing. */
function family(datatype: string): string | undefined {
  const json = dataTypeFromV2(datatype)?.json;
  if (json === 'float' || json === 'binary16' || json === 'bfloat16') return 'float';
  return json === 'integer' ? 'integer' : undefined;
}

/** Check a tensor's datatype and dims against `input` without touching data; returns the datatype to convert to. */
export function checkSignature(datatype: string, dims: readonly number[], input: ValueInfo, sample: string): string {
  const want = inputDatatype(input, sample);
  const shape = input.type.kind === 'tensor' ? input.type.shape : null;
  if (shape) {
    if (shape.length !== dims.length) {
      throw dataMismatch(
        sample,
        input.name,
        `has shape ${fmt(dims)} (rank ${dims.length}); the model expects ${fmt(shape)} (rank ${shape.length})`,
      );
    }
    for (let i = 1; i < shape.length; i++) {
      const d = shape[i];
      if (typeof d === 'number' && d !== dims[i]) {
        throw dataMismatch(
          sample,
          input.name,
          `has shape ${fmt(dims)}; the model expects ${fmt(shape)} (dimension ${i} is ${dims[i]}, not ${d})`,
        );
      }
    }
  }
  if (datatype === want) return want;
  const from = family(datatype);
  if (from === undefined || from !== family(want)) {
    const name = (v2: string) => dataTypeFromV2(v2)?.ort ?? v2;
    throw dataMismatch(sample, input.name, `has element type ${name(datatype)}; the model expects ${name(want)}`);
  }
  return want;
}
