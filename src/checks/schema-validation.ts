// Validation of artifact files against the JSON Schemas shipped in the package's schemas/ folder (draft-07,
// ajv 8), compiled once per schema. Introspect reads the same files prepare validates with, from the package.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { OodError } from '../errors.js';

const compiled = new Map<string, ValidateFunction>();

/** Absolute path of schemas/<file>, from dist/src/checks/ or src/checks/. */
export function schemaPath(file: string): string {
  for (const up of ['../../../schemas/', '../../schemas/']) {
    const url = new URL(`${up}${file}`, import.meta.url);
    try {
      readFileSync(url, { flag: 'r' });
      return fileURLToPath(url);
    } catch {
      // try the next level
    }
  }
  throw new OodError('PACKAGE_FILE_MISSING', `ood's own schema ${file} is missing`, {
    kind: 'internal',
    hint: 'Reinstall ood; the package is incomplete.',
  });
}

/** Problems of `value` against schemas/<file> as "path: message" lines (sorted); empty when valid. */
export function problemsAgainst(file: string, value: unknown): string[] {
  let validate = compiled.get(file);
  if (!validate) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    (addFormatsModule as unknown as (a: Ajv) => Ajv)(ajv);
    validate = ajv.compile(JSON.parse(readFileSync(schemaPath(file), 'utf8')) as object);
    compiled.set(file, validate);
  }
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? 'is invalid'}`).sort();
}
