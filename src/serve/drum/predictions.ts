// DRUM's answer to /predict/: {"predictions": [...]} and, for the model's other outputs, "extraModelOutput".
// drum_server_api.yaml (components.schemas) gives the three shapes: regression, a list of numbers; binary and
// multiclass, a list of objects, one per row, from class label to probability. DRUM's server writes the extra
// outputs with pandas' DataFrame.to_json(orient="split") (predict_mixin.py `_build_drum_response_json_str`):
// {"columns": [...], "index": [0, 1, ...], "data": [[...], ...]}, one row per input row; ood does the same, so the
// certainty score arrives as the column "ood_scores".
//
// INT64 and UINT64 elements stay bigint and are written digit for digit, as the V2 writer does (json-codec.ts's
// encodeJsonData): JSON.stringify cannot write a bigint, and a Number would round 9007199254740993 to ...992.
// io/exact-json.ts writes the body then (lossless-json: bigint as its digits, NaN and Infinity as null exactly
// like JSON.stringify, and so like pandas' to_json); a body without one is JSON.stringify's.
import { stringifyExactly } from '../../io/exact-json.js';
import type { ClassActivation } from '../../artifact/spec.js';
import type { NamedTensor } from '../../tensor/tensor.js';
import { tensorElements, tensorValues } from '../../tensor/json-codec.js';
import type { ModelDescription } from '../served-model.js';

/** DRUM's target types (its TargetType enum) that an ONNX model served here can be. */
export type DrumTargetType = 'binary' | 'multiclass' | 'multilabel' | 'regression' | 'unstructured';

/** How the model's answer becomes DRUM predictions. */
export interface DrumTarget {
  targetType: DrumTargetType;
  /** The output the predictions come from: the classifier's, else the first one besides the certainty score. */
  output: string | undefined;
  /** Class names in class order: the artifact's labels, else "0", "1", … (null: from the answer's width). */
  classNames: string[] | null;
  activation: ClassActivation;
}

const perRow = (shape: readonly (number | string)[]) =>
  shape.slice(1).reduce<number | null>((n, d) => (n !== null && typeof d === 'number' && d >= 0 ? n * d : null), 1);

/**
 * The target of a served model. runtime.yaml's CLASSIFICATION decides (artifact/classification.ts); an artifact
 * prepared before it existed is still a classifier when it is certainty-enabled (`ood enable` scores logits).
 */
export function drumTarget(description: ModelDescription, scoreOutput: string | undefined): DrumTarget {
  const c = description.runtime?.CLASSIFICATION;
  const own = description.outputs.filter((t) => t.name !== scoreOutput);
  const output = c?.OUTPUT ?? own[0]?.name;
  const spec = description.outputs.find((t) => t.name === output);
  if ((c || scoreOutput) && spec && spec.shape.length === 2) {
    const activation = c?.ACTIVATION ?? 'none';
    const classes = c?.CLASSES ?? perRow(spec.shape);
    const labels = description.labels;
    const classNames =
      labels ?? (classes === null ? null : Array.from({ length: classes === 1 ? 2 : classes }, (_, i) => String(i)));
    const count = classNames?.length ?? classes;
    const targetType = activation === 'sigmoid' && classes !== 1 ? 'multilabel' : count === 2 ? 'binary' : 'multiclass';
    return { targetType, output, classNames, activation };
  }
  const regression = spec !== undefined && perRow(spec.shape) === 1;
  return { targetType: regression ? 'regression' : 'unstructured', output, classNames: null, activation: 'none' };
}

/** Row-wise softmax in float64, shifted by the row's maximum so that large logits do not overflow. */
function softmax(row: number[]): number[] {
  const max = Math.max(...row);
  const exps = row.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** The elements of a tensor as numbers (a non-finite value travels as NaN here, null in the JSON). */
function numbers(t: NamedTensor): number[] {
  return tensorValues(t).map((v) => (typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : NaN));
}

/** One probability object per row, keyed by class name in class order. */
function classProbabilities(t: NamedTensor, target: DrumTarget): Record<string, number>[] {
  const rows = t.shape[0] ?? 0;
  const width = rows === 0 ? 0 : t.data.length / rows;
  const values = numbers(t);
  const names = target.classNames ?? Array.from({ length: width === 1 ? 2 : width }, (_, i) => String(i));
  const out: Record<string, number>[] = [];
  for (let r = 0; r < rows; r++) {
    const row = values.slice(r * width, (r + 1) * width);
    let probs: number[];
    if (width === 1) {
      // A binary [batch, 1] output holds the positive class, the second label (DRUM's positiveClassLabel).
      const p = target.activation === 'none' ? sigmoid(row[0]!) : row[0]!;
      probs = [1 - p, p];
    } else probs = target.activation === 'none' ? softmax(row) : row;
    out.push(Object.fromEntries(names.map((name, i) => [name, probs[i]!])));
  }
  return out;
}

/** pandas' split orientation of the given outputs: one column per element of a row, named after its output. */
function splitTable(outputs: readonly NamedTensor[], rows: number) {
  const columns: string[] = [];
  const blocks: { values: unknown[]; width: number }[] = [];
  for (const t of outputs) {
    const width = rows === 0 ? 0 : Math.round(t.data.length / rows);
    columns.push(...(width === 1 ? [t.name] : Array.from({ length: width }, (_, i) => `${t.name}_${i}`)));
    blocks.push({ values: tensorElements(t), width });
  }
  const data = Array.from({ length: rows }, (_, r) =>
    blocks.flatMap((b) => b.values.slice(r * b.width, (r + 1) * b.width)),
  );
  return { columns, index: Array.from({ length: rows }, (_, i) => i), data };
}

const CLASSIFYING = new Set<DrumTargetType>(['binary', 'multiclass', 'multilabel']);

/** The JSON body of a DRUM prediction. */
export function drumPredictions(outputs: readonly NamedTensor[], target: DrumTarget): Record<string, unknown> {
  const main = outputs.find((t) => t.name === target.output) ?? outputs[0];
  if (!main) return { predictions: [] };
  const rows = main.shape[0] ?? 1;
  let predictions: unknown[];
  if (CLASSIFYING.has(target.targetType)) predictions = classProbabilities(main, target);
  else if (target.targetType === 'regression') predictions = tensorElements(main);
  else {
    const flat = tensorElements(main);
    const width = rows === 0 ? 0 : flat.length / rows;
    predictions = Array.from({ length: rows }, (_, r) => flat.slice(r * width, (r + 1) * width));
  }
  const extra = outputs.filter((t) => t !== main && t.shape[0] === rows);
  return extra.length === 0 ? { predictions } : { predictions, extraModelOutput: splitTable(extra, rows) };
}

const is64Bit = (t: NamedTensor) => t.data instanceof BigInt64Array || t.data instanceof BigUint64Array;

/** The JSON text of drumPredictions(), 64-bit integers exact. */
export function drumPredictionsText(outputs: readonly NamedTensor[], target: DrumTarget): string {
  const body = drumPredictions(outputs, target);
  return outputs.some(is64Bit) ? stringifyExactly(body) : JSON.stringify(body);
}
