// Triton's classification extension (triton-inference-server/server docs/protocol/extension_classification.md):
// an output asked for with parameters.classification = k comes back "as type BYTES with shape [ batch-size,
// <count> ] where each element returns the classification index and label as a single string", formatted
// "<value>:<index>[:<label>]", the top k "highest-valued elements in the output tensor compared using the output
// tensor's data type". As in Triton's HTTP server (src/http_server.cc), the rows are the first dimension when the
// model batches (here: the output's first dimension is variable), else the whole tensor is one row; <count> is
// min(k, elements per row).
import { OodError } from '../errors.js';
import type { TensorSpec } from '../artifact/spec.js';
import { fromHalfBits, toHalfBits } from '../onnx/float16.js';
import { dataTypeFromV2 } from '../tensor/datatypes.js';
import { tensorElements } from '../tensor/json-codec.js';
import type { NamedTensor } from '../tensor/tensor.js';

type Element = number | bigint;

/** Descending by value, ties by index (Triton's std::sort leaves ties unordered), NaN last. */
function compare(values: readonly Element[]) {
  return (i: number, j: number): number => {
    const a = values[i]!;
    const b = values[j]!;
    const aNaN = typeof a === 'number' && Number.isNaN(a);
    const bNaN = typeof b === 'number' && Number.isNaN(b);
    if (aNaN || bNaN) return aNaN === bNaN ? i - j : aNaN ? 1 : -1;
    return a > b ? -1 : a < b ? 1 : i - j;
  };
}

/**
 * The value as the shortest decimal that reads back to the same element of its datatype (the extension's example
 * writes FP32 3.3 as "3.3"; Triton's C++ writes std::to_string's six decimals, which loses small values).
 */
function valueText(v: Element, datatype: string): string {
  if (typeof v === 'bigint' || !Number.isFinite(v) || Number.isInteger(v)) return String(v);
  const same =
    datatype === 'FP32'
      ? (x: number) => Math.fround(x) === v
      : datatype === 'FP16'
        ? (x: number) => fromHalfBits(toHalfBits(x)) === v
        : (x: number) => x === v;
  for (let digits = 1; digits < 17; digits++) {
    const shorter = Number(v.toPrecision(digits));
    if (same(shorter)) return String(shorter);
  }
  return String(v);
}

/** Replace one output by its top-k classification strings. */
export function classifyOutput(
  output: NamedTensor,
  k: number,
  spec: TensorSpec | undefined,
  labels: readonly string[] | null,
): NamedTensor {
  const type = dataTypeFromV2(output.datatype);
  if (!type?.array || output.datatype === 'BOOL') {
    throw new OodError(
      'CLASSIFICATION_UNSUPPORTED',
      `output "${output.name}" is ${output.datatype}; classification needs a numeric output`,
      { hint: `Drop the "classification" parameter from output "${output.name}".` },
    );
  }
  const first = spec?.shape[0];
  const batched = output.shape.length > 1 && (typeof first === 'string' || (typeof first === 'number' && first < 0));
  const rows = batched ? output.shape[0]! : 1;
  const values = tensorElements(output) as Element[];
  const perRow = rows === 0 ? 0 : values.length / rows;
  const count = Math.min(k, perRow);
  const useLabels = labels !== null && labels.length === perRow ? labels : null;
  const data: string[] = [];
  for (let r = 0; r < rows; r++) {
    const row = values.slice(r * perRow, (r + 1) * perRow);
    const order = Array.from({ length: perRow }, (_, i) => i).sort(compare(row));
    for (const index of order.slice(0, count)) {
      const label = useLabels ? `:${useLabels[index]}` : '';
      data.push(`${valueText(row[index]!, output.datatype)}:${index}${label}`);
    }
  }
  return { name: output.name, datatype: 'BYTES', shape: batched ? [rows, count] : [count], data };
}

/** Apply the classification parameters of a request to its outputs. */
export function applyClassification(
  outputs: readonly NamedTensor[],
  classification: ReadonlyMap<string, number>,
  specs: readonly TensorSpec[],
  labelsOf: (output: string) => readonly string[] | null,
): NamedTensor[] {
  if (classification.size === 0) return [...outputs];
  return outputs.map((t) => {
    const k = classification.get(t.name);
    if (k === undefined) return t;
    return classifyOutput(
      t,
      k,
      specs.find((s) => s.name === t.name),
      labelsOf(t.name),
    );
  });
}
