// The bodies of KServe V1 / TF-Serving's predict API (tensorflow_serving/g3doc/api_rest.md, "Predict API") mapped
// onto the model's V2 signature: the row form {"instances": [...]} and the columnar form {"inputs": ...}, with
// {"b64": "..."} values for BYTES; and the answers, {"predictions": ...} for rows and {"outputs": ...} for columns.
// DRUM's /predict shares the row form.
import { OodError } from '../errors.js';
import type { TensorSpec } from '../artifact/spec.js';
import type { NamedTensor } from '../tensor/tensor.js';
import { nest, tensorValues } from '../tensor/json-codec.js';
import type { V2InferenceRequest, V2RequestInput } from './v2-types.js';
import { v1TensorValue, type V1Value } from './v1-json.js';

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isB64 = (v: unknown): v is { b64: unknown } => isPlainObject(v) && Object.keys(v).length === 1 && 'b64' in v;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function bad(message: string, hint: string): OodError {
  return new OodError('BAD_INSTANCES', message, { hint });
}

/** The shape of a nested list, checked to be rectangular ("Tensors are expressed naturally in nested notation"). */
function nestedShape(value: unknown, where: string): number[] {
  const shape: number[] = [];
  for (let node = value; Array.isArray(node); node = node[0]) shape.push(node.length);
  const check = (node: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (Array.isArray(node)) throw bad(`${where}${path} is nested deeper than its siblings`, RAGGED_HINT);
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth])
      throw bad(
        `${where}${path} has ${Array.isArray(node) ? node.length : 'no'} elements where its siblings have ${shape[depth]}: the tensor is ragged`,
        RAGGED_HINT,
      );
    node.forEach((child, i) => check(child, depth + 1, `${path}[${i}]`));
  };
  check(value, 0, '');
  return shape;
}
const RAGGED_HINT = 'Every list at one depth of a tensor must have the same length.';

/** {"b64": "..."} leaves of a BYTES tensor become the strings they encode ("Encoding binary values"). */
function decodeB64(value: unknown, spec: TensorSpec, where: string): unknown {
  if (Array.isArray(value)) return value.map((v, i) => decodeB64(v, spec, `${where}[${i}]`));
  if (!isB64(value)) return value;
  if (spec.datatype !== 'BYTES')
    throw bad(`${where} is a {"b64": ...} value, but input "${spec.name}" is ${spec.datatype}`, B64_HINT);
  const text = typeof value.b64 === 'string' ? value.b64.replace(/-/g, '+').replace(/_/g, '/') : undefined;
  if (text === undefined || !BASE64.test(text)) throw bad(`${where}: "b64" is not a base64 string`, B64_HINT);
  try {
    return UTF8.decode(Buffer.from(text, 'base64'));
  } catch {
    throw bad(
      `${where}: the b64 bytes are not UTF-8, which onnxruntime's BYTES tensors need`,
      'Send bytes that are not text as a UINT8 tensor.',
    );
  }
}
const B64_HINT = 'Encode binary values as {"b64": "<base64>"} in BYTES inputs only.';

/** One V2 input from a tensor value (nested list or scalar) of the V1 body. */
function toInput(spec: TensorSpec, value: unknown, where: string): V2RequestInput {
  const data = decodeB64(value, spec, where);
  const shape = nestedShape(data, where);
  return { name: spec.name, datatype: spec.datatype, shape, data: shape.length === 0 ? [data] : data };
}

/** True when a parsed body is a V1/DRUM instances body. */
export function isInstancesBody(body: unknown): body is { instances: unknown } {
  return isPlainObject(body) && 'instances' in body;
}

/**
 * The row form as a V2 request. "When there is only one named input, specify the value of instances key to be the
 * value of the input"; "For multiple named inputs, each item is expected to be an object containing input
 * name/tensor value pair, one for each named input" (an object row is accepted for one input too).
 */
export function instancesToV2(instances: unknown, inputs: readonly TensorSpec[]): V2InferenceRequest {
  if (!Array.isArray(instances) || instances.length === 0) {
    throw bad('"instances" must be a non-empty array of rows', 'Send {"instances": [row, row, ...]}.');
  }
  const names = inputs.map((t) => `"${t.name}"`).join(', ');
  const keyed = inputs.length > 1 || (isPlainObject(instances[0]) && !isB64(instances[0]));
  if (!keyed) return { inputs: [toInput(inputs[0]!, instances, '/instances')] };
  return {
    inputs: inputs.map((spec) => {
      const rows = instances.map((inst, i) => {
        if (!isPlainObject(inst) || !(spec.name in inst))
          throw bad(
            `instance ${i} has no input "${spec.name}"; the model takes ${names}`,
            'For a model with several inputs send {"instances": [{"<input>": row, ...}, ...]}.',
          );
        const unknown = Object.keys(inst).find((k) => !inputs.some((t) => t.name === k));
        if (unknown !== undefined)
          throw new OodError('UNKNOWN_INPUT', `instance ${i} names input "${unknown}"; the model takes ${names}`);
        return inst[spec.name];
      });
      return toInput(spec, rows, `/instances/*/${spec.name}`);
    }),
  };
}

/**
 * The columnar form as a V2 request: "The value for inputs key can either a single input tensor or a map of input
 * name to tensors (listed in their natural nested form)", each input with its own 0-th dimension.
 */
export function columnsToV2(columns: unknown, inputs: readonly TensorSpec[]): V2InferenceRequest {
  const names = inputs.map((t) => `"${t.name}"`).join(', ');
  if (inputs.length === 1 && (!isPlainObject(columns) || isB64(columns)))
    return { inputs: [toInput(inputs[0]!, columns, '/inputs')] };
  if (!isPlainObject(columns))
    throw bad(`"inputs" must be an object of input name to tensor; the model takes ${names}`, COLUMNS_HINT);
  const unknown = Object.keys(columns).find((k) => !inputs.some((t) => t.name === k));
  if (unknown !== undefined)
    throw new OodError('UNKNOWN_INPUT', `"inputs" names input "${unknown}"; the model takes ${names}`);
  return {
    inputs: inputs.map((spec) => {
      if (!(spec.name in columns))
        throw bad(`"inputs" has no input "${spec.name}"; the model takes ${names}`, COLUMNS_HINT);
      return toInput(spec, columns[spec.name], `/inputs/${spec.name}`);
    }),
  };
}
const COLUMNS_HINT = 'Send {"inputs": {"<input>": tensor, ...}} with every input of the model.';

/**
 * The row answer: "If the output of the model contains only one named tensor, we omit the name and predictions key
 * maps to a list of scalar or list values. If the model outputs multiple named tensors, we output a list of objects
 * instead" (api_rest.md, "Response format"). Rows need every output to share its 0-th dimension.
 */
export function rowPredictions(outputs: readonly NamedTensor[]): V1Value {
  if (outputs.length === 1) return v1TensorValue(outputs[0]!);
  const rows = outputs[0]?.shape[0];
  const odd = outputs.find((t) => t.shape.length === 0 || t.shape[0] !== rows);
  if (odd || rows === undefined) {
    const shapes = outputs.map((t) => `"${t.name}" [${t.shape.join(', ')}]`).join(', ');
    throw new OodError('ROW_FORMAT_UNSUPPORTED', `the model's outputs do not share a first dimension: ${shapes}`, {
      hint: 'Send the columnar form {"inputs": ...}; it answers {"outputs": {...}} with whole tensors.',
    });
  }
  const columns = outputs.map((t) => [t.name, v1TensorValue(t) as V1Value[]] as const);
  return Array.from({ length: rows }, (_, i) => Object.fromEntries(columns.map(([name, r]) => [name, r[i]!])));
}

/** The columnar answer: one output's tensor, or "an object [...] Each key of this object corresponds to a named output tensor". */
export function columnOutputs(outputs: readonly NamedTensor[]): V1Value {
  if (outputs.length === 1) return v1TensorValue(outputs[0]!);
  return Object.fromEntries(outputs.map((t) => [t.name, v1TensorValue(t)]));
}

/**
 * DRUM's /predict answer as it stands (drum.ts): one entry per row of the one model output besides the certainty
 * score, or an object of rows, with the score as its own list.
 */
export function toPredictions(
  outputs: readonly NamedTensor[],
  scoreOutput: string | undefined,
): Record<string, unknown> {
  const rowsOf = (t: NamedTensor) => nest(tensorValues(t), t.shape) as unknown[];
  const own = outputs.filter((t) => t.name !== scoreOutput);
  const score = outputs.find((t) => t.name === scoreOutput);
  let predictions: unknown[];
  if (own.length === 1) predictions = rowsOf(own[0]!);
  else {
    const columns = own.map((t) => [t.name, rowsOf(t)] as const);
    const n = Math.max(0, ...columns.map(([, rows]) => rows.length));
    predictions = Array.from({ length: n }, (_, i) =>
      Object.fromEntries(columns.map(([name, rows]) => [name, rows[i]])),
    );
  }
  const body: Record<string, unknown> = { predictions };
  if (score) body[score.name] = tensorValues(score);
  return body;
}
