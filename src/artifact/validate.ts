// The one JSON Schema validator (draft-07 via ajv 8, with ajv-formats): every artifact file, evaluation report and
// inference request is checked here, and every caller gets the same Problem list. Schemas are compiled once: a
// shipped schema by name, a generated one (a request schema) by object identity.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { OodError, type ErrorCode } from '../errors.js';
import { readPackageJsonFile } from '../io/package-files.js';

/** The JSON Schemas shipped in the package's schemas/ folder (schemas/<name>.schema.json). */
export type SchemaName = 'runtime' | 'io-schema' | 'manifest' | 'evaluation-report';

/** One way a value fails its schema. `path` is the JSON Pointer of the offending value ("" for the root). */
export interface Problem {
  path: string;
  message: string;
  /** The JSON Schema keyword that failed (required, const, minItems, …) and ajv's parameters for it. */
  keyword: string;
  params: Record<string, unknown>;
}

const byName = new Map<SchemaName, ValidateFunction>();
const byObject = new WeakMap<object, ValidateFunction>();

/** One compiler per schema: ajv keeps every schema it compiled, and generated schemas come and go. */
function compile(schema: object): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: false });
  (addFormatsModule as unknown as (a: Ajv) => Ajv)(ajv);
  return ajv.compile(schema);
}

function compiled(schema: SchemaName | object): ValidateFunction {
  if (typeof schema === 'string') {
    let fn = byName.get(schema);
    if (!fn) {
      fn = compile(readPackageJsonFile<object>(`schemas/${schema}.schema.json`));
      byName.set(schema, fn);
    }
    return fn;
  }
  let fn = byObject.get(schema);
  if (!fn) {
    fn = compile(schema);
    byObject.set(schema, fn);
  }
  return fn;
}

const toProblem = (e: ErrorObject): Problem => ({
  path: e.instancePath,
  message: e.message ?? 'is invalid',
  keyword: e.keyword,
  params: e.params as Record<string, unknown>,
});

/** Every problem of `value` against a shipped schema (by name) or a schema object; empty when valid. */
export function validate(schema: SchemaName | object, value: unknown): Problem[] {
  const fn = compiled(schema);
  return fn(value) ? [] : (fn.errors ?? []).map(toProblem);
}

/** Problems as lines, `<pointer> <message>` (the root is "/"), de-duplicated and sorted. */
export function problemLines(problems: readonly Problem[]): string[] {
  return [...new Set(problems.map((p) => `${p.path || '/'} ${p.message}`))].sort();
}

/** A value with the problems found in it: `value` is usable only when `problems` is empty. */
export type Findings<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** Findings of `value` against a schema, each problem line prefixed with `label` (a file name). */
export function validated<T>(schema: SchemaName | object, value: unknown, label?: string): Findings<T> {
  const lines = problemLines(validate(schema, value));
  if (lines.length === 0) return { ok: true, value: value as T };
  return { ok: false, problems: label ? lines.map((l) => `${label} ${l}`) : lines };
}

/** Problem lines of `value` against a shipped schema; empty when valid. */
export function schemaProblems(schema: SchemaName, value: unknown): string[] {
  return problemLines(validate(schema, value));
}

/** What a writer says when a document it is about to write fails its schema. */
export interface WriteRefusal {
  code: ErrorCode;
  /** The artifact file, e.g. "manifest.json". */
  file: string;
  hint: string;
}

/** Refuse to write a document that fails its schema: one OodError listing every problem (a writer's boundary). */
export function assertWritable(schema: SchemaName, value: unknown, refusal: WriteRefusal): void {
  const problems = schemaProblems(schema, value);
  if (problems.length === 0) return;
  throw new OodError(refusal.code, `${refusal.file} would not match its schema:\n  - ${problems.join('\n  - ')}`, {
    hint: refusal.hint,
    details: { problems },
  });
}
