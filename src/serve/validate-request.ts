// Validation of an inference request before any inference: first the V2 envelope with ajv, then each tensor
// against the artifact's input_schema.json (name, datatype, shape). Every failure is a 400 that names the tensor,
// what the model expects and what came.
import { Ajv } from 'ajv';
import { OodError } from '../errors.js';
import type { TensorSpec } from '../artifact/spec.js';
import type { V2InferenceRequest } from './v2-types.js';

const parameters = { type: 'object' };
/** The V2 $inference_request envelope (KServe Open Inference Protocol, REST). Tensor data is checked while decoding. */
const ENVELOPE_SCHEMA = {
  type: 'object',
  required: ['inputs'],
  properties: {
    id: { type: 'string' },
    parameters,
    inputs: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['name', 'shape', 'datatype'],
        properties: {
          name: { type: 'string' },
          shape: { type: 'array', items: { type: 'integer', minimum: 0 } },
          datatype: { type: 'string' },
          parameters,
        },
      },
    },
    outputs: {
      type: 'array',
      items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, parameters } },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: true });
const validateEnvelope = ajv.compile(ENVELOPE_SCHEMA);

/** Check the envelope of a parsed V2 request body. */
export function assertV2Envelope(body: unknown): asserts body is V2InferenceRequest {
  if (validateEnvelope(body)) return;
  const problems = (validateEnvelope.errors ?? []).map(
    (e) => `${e.instancePath || 'request'} ${e.message ?? 'is invalid'}`,
  );
  throw new OodError('BAD_REQUEST', `not a valid V2 inference request: ${[...new Set(problems)].sort().join('; ')}`, {
    hint: 'Send {"inputs": [{"name": ..., "shape": [...], "datatype": ..., "data": [...]}]}.',
  });
}

/** Render a schema shape the way users read it: symbolic dims by name. */
export function formatShape(shape: readonly (number | string)[]): string {
  return `[${shape.map((d) => (typeof d === 'number' && d < 0 ? '?' : String(d))).join(', ')}]`;
}

function shapeMatches(spec: readonly (number | string)[], got: readonly number[]): boolean {
  if (spec.length !== got.length) return false;
  return spec.every((d, i) => typeof d !== 'number' || d < 0 || d === got[i]);
}

/** Check names, datatypes and shapes of the request's tensors against the model's inputs. */
export function checkAgainstSignature(request: V2InferenceRequest, inputs: readonly TensorSpec[]): void {
  const byName = new Map(inputs.map((t) => [t.name, t]));
  const seen = new Set<string>();
  for (const input of request.inputs) {
    const spec = byName.get(input.name);
    if (!spec) {
      throw new OodError(
        'UNKNOWN_INPUT',
        `unknown input "${input.name}"; the model takes ${inputs.map((t) => `"${t.name}"`).join(', ')}`,
      );
    }
    if (seen.has(input.name)) throw new OodError('DUPLICATE_INPUT', `input "${input.name}" is given twice`);
    seen.add(input.name);
    if (input.datatype !== spec.datatype) {
      throw new OodError(
        'DATATYPE_MISMATCH',
        `input "${input.name}": expected datatype ${spec.datatype}, got ${input.datatype}`,
      );
    }
    if (!shapeMatches(spec.shape, input.shape)) {
      throw new OodError(
        'SHAPE_MISMATCH',
        `input "${input.name}": expected shape ${formatShape(spec.shape)}, got ${formatShape(input.shape)}`,
      );
    }
  }
  const missing = inputs.filter((t) => !seen.has(t.name));
  if (missing.length > 0) {
    throw new OodError(
      'MISSING_INPUT',
      `missing input ${missing.map((t) => `"${t.name}" (${t.datatype} ${formatShape(t.shape)})`).join(', ')}`,
    );
  }
}
