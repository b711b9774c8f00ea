// The row-oriented bodies of KServe V1 and DRUM, {"instances": [...]}, mapped onto the model's V2 signature,
// and the V1 answer {"predictions": [...]} built from the model's outputs.
import { OodError } from '../errors.js';
import type { TensorSpec } from '../artifact/spec.js';
import type { NamedTensor } from '../tensor/tensor.js';
import { nest, tensorValues } from '../tensor/json-codec.js';
import type { V2InferenceRequest } from './v2-types.js';

function shapeOf(value: unknown): number[] {
  const shape: number[] = [];
  let node = value;
  while (Array.isArray(node)) {
    shape.push(node.length);
    node = node[0];
  }
  return shape;
}

/** True when a parsed body is a V1/DRUM instances body. */
export function isInstancesBody(body: unknown): body is { instances: unknown } {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && 'instances' in body;
}

/**
 * Turn `instances` into a V2 request. One input: each instance is a row of that input. Several inputs: each
 * instance is an object keyed by input name.
 */
export function instancesToV2(instances: unknown, inputs: readonly TensorSpec[]): V2InferenceRequest {
  if (!Array.isArray(instances) || instances.length === 0) {
    throw new OodError('BAD_INSTANCES', '"instances" must be a non-empty array of rows', {
      hint: 'Send {"instances": [row, row, ...]}.',
    });
  }
  const single = inputs.length === 1;
  return {
    inputs: inputs.map((spec) => {
      const rows = single
        ? instances
        : instances.map((inst, i) => {
            if (typeof inst !== 'object' || inst === null || !(spec.name in inst)) {
              throw new OodError(
                'BAD_INSTANCES',
                `instance ${i} has no input "${spec.name}"; the model takes ${inputs.map((t) => `"${t.name}"`).join(', ')}`,
                {
                  hint: 'For a model with several inputs send {"instances": [{"<input>": row, ...}, ...]}.',
                },
              );
            }
            return (inst as Record<string, unknown>)[spec.name];
          });
      return { name: spec.name, datatype: spec.datatype, shape: [rows.length, ...shapeOf(rows[0])], data: rows };
    }),
  };
}

/**
 * V1 predictions: one entry per row. With one model output (besides the certainty score) the entry is that
 * output's row; with several it is an object of rows. The certainty score, when present, comes as its own list.
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
