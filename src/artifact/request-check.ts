// Request checks that JSON Schema cannot express, and one validator that runs ajv plus these checks and
// reports every problem in words a client understands (KServe V2 / Open Inference Protocol requests).
import { dataTypeFromV2 } from '../tensor/datatypes.js';
import { requestJsonSchema } from './request-schema.js';
import type { IoSchema } from './spec.js';
import { validate, type Problem } from './validate.js';

interface RequestTensor {
  name?: unknown;
  datatype?: unknown;
  shape?: unknown;
  data?: unknown;
  parameters?: { binary_data_size?: unknown } & Record<string, unknown>;
}

/** Leaves of a (possibly nested) V2 `data` array. */
export function countElements(data: unknown): number {
  if (!Array.isArray(data)) return 1;
  let n = 0;
  for (const item of data) n += Array.isArray(item) ? countElements(item) : 1;
  return n;
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * What JSON Schema can't say about a request that already passed requestJsonSchema: each input given once,
 * element count = product(shape) (or binary_data_size = count × element size), and a symbolic dim shared by
 * several inputs (e.g. "batch") bound to one size. Returns the problems, sorted; empty when fine.
 */
export function checkRequestExtras(request: unknown, inputSchema: IoSchema): string[] {
  const problems: string[] = [];
  const inputs = (request as { inputs?: unknown })?.inputs;
  if (!Array.isArray(inputs)) return problems;
  const seen = new Set<string>();
  const bindings = new Map<string, { size: number; input: string }>();
  for (const raw of inputs as RequestTensor[]) {
    if (typeof raw?.name !== 'string' || !Array.isArray(raw.shape)) continue;
    const name = raw.name;
    if (seen.has(name)) problems.push(`input "${name}" is given more than once`);
    seen.add(name);
    const shape = raw.shape as number[];
    if (!shape.every((d) => Number.isInteger(d) && d >= 0)) continue;
    const expected = product(shape);
    if (raw.data !== undefined) {
      const got = countElements(raw.data);
      if (got !== expected)
        problems.push(`input "${name}" has ${got} data elements but shape [${shape.join(', ')}] needs ${expected}`);
    } else if (typeof raw.parameters?.binary_data_size === 'number') {
      const bytes = typeof raw.datatype === 'string' ? dataTypeFromV2(raw.datatype)?.bytes : undefined;
      if (bytes && raw.parameters.binary_data_size !== expected * bytes) {
        problems.push(
          `input "${name}" has binary_data_size ${raw.parameters.binary_data_size} but shape [${shape.join(', ')}] of ${raw.datatype} needs ${expected * bytes} bytes`,
        );
      }
    }
    const spec = inputSchema.tensors.find((t) => t.name === name);
    spec?.shape.forEach((dim, i) => {
      if (typeof dim !== 'string' || shape[i] === undefined) return;
      const bound = bindings.get(dim);
      if (!bound) bindings.set(dim, { size: shape[i]!, input: name });
      else if (bound.size !== shape[i]) {
        problems.push(
          `dimension "${dim}" is ${bound.size} in input "${bound.input}" but ${shape[i]} in input "${name}"`,
        );
      }
    });
  }
  return problems.sort();
}

/** A schema problem in a client's words: `inputs[0] ("x").shape[1] must be equal to constant (28)`. */
function describeProblem(problem: Problem, request: unknown): string {
  const parts = problem.path.split('/').slice(1);
  let where = 'request';
  let node: unknown = request;
  for (const part of parts) {
    node = (node as Record<string, unknown> | undefined)?.[part];
    if (/^\d+$/.test(part)) {
      const name = (node as { name?: unknown } | undefined)?.name;
      where += `[${part}]${where.endsWith('inputs') && typeof name === 'string' ? ` ("${name}")` : ''}`;
    } else where = where === 'request' ? part : `${where}.${part}`;
  }
  const params = problem.params;
  const detail =
    'allowedValue' in params
      ? ` (${JSON.stringify(params.allowedValue)})`
      : 'allowedValues' in params
        ? ` (${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')})`
        : '';
  return `${where} ${problem.message}${detail}`;
}

function missingInputs(request: unknown, inputSchema: IoSchema): string[] {
  const inputs = (request as { inputs?: unknown })?.inputs;
  const given = new Set(Array.isArray(inputs) ? inputs.map((t) => (t as RequestTensor)?.name) : []);
  return inputSchema.tensors.filter((t) => !given.has(t.name)).map((t) => `input "${t.name}" is missing`);
}

/** A compiled validator: the problems of one request, [] when it is valid. */
export type RequestValidator = (request: unknown) => string[];

/**
 * Compile once, call per request: returns every problem (sorted, de-duplicated), or [] for a valid request.
 * Combines requestJsonSchema (through the one validator, validate.ts) and checkRequestExtras.
 */
export function createRequestValidator(inputSchema: IoSchema, outputSchema?: IoSchema): RequestValidator {
  const schema = requestJsonSchema(inputSchema, outputSchema);
  return (request) => {
    const found = validate(schema, request);
    if (found.length > 0) {
      // "must match then/some schema" only repeats the concrete errors next to it.
      const concrete = found.filter((e) => !['if', 'anyOf', 'allOf'].includes(e.keyword));
      const shown = concrete.length > 0 ? concrete : found;
      const problems = shown.filter((e) => e.keyword !== 'contains').map((e) => describeProblem(e, request));
      if (shown.some((e) => e.keyword === 'contains')) problems.push(...missingInputs(request, inputSchema));
      return [...new Set(problems)].sort();
    }
    return checkRequestExtras(request, inputSchema);
  };
}
