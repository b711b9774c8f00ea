// The JSON Schemas shipped in the package's schemas/ folder (the source of truth for artifact format 1.0),
// loaded once and compiled with ajv so that prepare validates what it writes before writing it.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { OodError } from '../errors.js';

/** The artifact files that have a schema in schemas/<name>.schema.json. */
export type SchemaName = 'runtime' | 'io-schema' | 'manifest';

/** ood's package root: the nearest directory above this module whose package.json is named "ood". */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++, dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'ood') return dir;
    } catch {
      // keep walking up
    }
  }
  throw new OodError('PACKAGE_FILE_MISSING', "ood's package.json cannot be found", {
    kind: 'internal',
    hint: 'Reinstall ood; the package is incomplete.',
  });
}

/** Absolute path of a file shipped with ood (templates/score.mjs, schemas/*.json, package.json). */
export function packagePath(rel: string): string {
  const path = join(packageRoot(), rel);
  if (!existsSync(path)) {
    throw new OodError('PACKAGE_FILE_MISSING', `ood's own file ${rel} is missing`, {
      kind: 'internal',
      hint: 'Reinstall ood; the package is incomplete.',
    });
  }
  return path;
}

/** The parsed JSON Schema document for one artifact file. */
export function loadSchema(name: SchemaName): Record<string, unknown> {
  return JSON.parse(readFileSync(packagePath(`schemas/${name}.schema.json`), 'utf8')) as Record<string, unknown>;
}

const compiled = new Map<SchemaName, ValidateFunction>();

/** Problems of `value` against one of the schemas (sorted); empty when valid. */
export function schemaProblems(name: SchemaName, value: unknown): string[] {
  let validate = compiled.get(name);
  if (!validate) {
    const ajv = new Ajv({ allErrors: true });
    const addFormats = addFormatsModule as unknown as (a: Ajv) => Ajv;
    addFormats(ajv);
    validate = ajv.compile(loadSchema(name));
    compiled.set(name, validate);
  }
  if (validate(value)) return [];
  return [
    ...new Set((validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`)),
  ].sort();
}
