// Compare what the server answered with a direct in-process onnxruntime run of the same model: the model's own
// outputs must be identical element for element (JSON numbers are parsed back to the tensor's precision).
import type { TensorSpec } from '../artifact/spec.js';
import type { NamedTensor } from '../tensor/tensor.js';
import { toHalfBits } from '../onnx/float16.js';
import { stringifyExactly } from '../io/exact-json.js';

/** A V2 response output as JSON carries it. */
export interface JsonOutput {
  name: string;
  datatype: string;
  shape: number[];
  data?: unknown[];
}

/** A served float element: V2 JSON writes NaN and ±Infinity as the strings "NaN", "Infinity", "-Infinity". */
function servedFloat(served: unknown): number {
  return typeof served === 'string' ? Number(served) : (served as number);
}

function sameElement(datatype: string, served: unknown, direct: unknown): boolean {
  switch (datatype) {
    case 'FP32':
    case 'FP64': {
      const d = direct as number;
      const v = servedFloat(served);
      const s = datatype === 'FP32' ? Math.fround(v) : v;
      return Object.is(s, d) || s === d;
    }
    case 'FP16': {
      const bits = toHalfBits(servedFloat(served));
      // Every NaN payload is one NaN in JSON.
      return (
        bits === direct ||
        ((bits & 0x7c00) === 0x7c00 && (bits & 0x3ff) !== 0 && ((direct as number) & 0x7fff) > 0x7c00)
      );
    }
    case 'BOOL':
      return served === Boolean(direct);
    case 'INT64':
    case 'UINT64':
      // The answer is read exactly (io/exact-json.ts): beyond 2^53 an element is a bigint, digit for digit.
      return typeof served === 'bigint'
        ? served === direct
        : Number.isSafeInteger(served) && BigInt(served as number) === direct;
    default:
      return served === direct;
  }
}

/** Problems found comparing one served output with the direct run; empty when identical. */
export function compareOutput(served: JsonOutput, direct: NamedTensor): string[] {
  const problems: string[] = [];
  if (served.datatype !== direct.datatype)
    problems.push(`"${served.name}": datatype ${served.datatype}, direct run ${direct.datatype}`);
  if (served.shape.join(',') !== direct.shape.join(','))
    problems.push(`"${served.name}": shape [${served.shape}], direct run [${direct.shape}]`);
  const data = served.data ?? [];
  if (data.length !== direct.data.length)
    problems.push(`"${served.name}": ${data.length} elements, direct run ${direct.data.length}`);
  if (problems.length > 0) return problems;
  let differing = 0;
  let first = -1;
  for (let i = 0; i < data.length; i++) {
    if (!sameElement(served.datatype, data[i], direct.data[i])) {
      differing++;
      if (first < 0) first = i;
    }
  }
  if (differing > 0)
    problems.push(
      `"${served.name}": ${differing} of ${data.length} elements differ (first at ${first}: served ${stringifyExactly(data[first])}, direct ${String(direct.data[first])})`,
    );
  return problems;
}

/** Problems of a served output against output_schema.json: presence, datatype, rank, fixed dims, element count. */
export function checkOutputAgainstSchema(
  outputs: readonly JsonOutput[],
  schema: readonly TensorSpec[],
  requested?: readonly string[],
): string[] {
  const problems: string[] = [];
  const byName = new Map(outputs.map((o) => [o.name, o]));
  for (const spec of schema) {
    if (requested && !requested.includes(spec.name)) continue;
    const o = byName.get(spec.name);
    if (!o) {
      problems.push(`output "${spec.name}" is missing`);
      continue;
    }
    if (o.datatype !== spec.datatype)
      problems.push(`output "${spec.name}": datatype ${o.datatype}, schema says ${spec.datatype}`);
    const fixedOk =
      o.shape.length === spec.shape.length &&
      spec.shape.every((d, i) => typeof d !== 'number' || d < 0 || d === o.shape[i]);
    if (!fixedOk) problems.push(`output "${spec.name}": shape [${o.shape}], schema says [${spec.shape}]`);
    const count = o.shape.reduce((a, b) => a * b, 1);
    if (o.data !== undefined && o.data.length !== count)
      problems.push(`output "${spec.name}": ${o.data.length} elements for shape [${o.shape}]`);
  }
  for (const o of outputs)
    if (!schema.some((s) => s.name === o.name)) problems.push(`output "${o.name}" is not in output_schema.json`);
  return problems;
}
