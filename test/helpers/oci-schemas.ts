// The OCI image-spec 1.1 JSON Schemas (draft-04) from /work/shared/specs/oci-image-spec, compiled with
// ajv-draft-04. Their relative $refs (defs.json, content-descriptor.json, …) resolve against each schema's
// `id`, and draft-04 lets nested `id`s move that base (…/schema/descriptor/annotations), so the shared files are
// registered, with their own ids removed, under every base any of the schemas' ids gives.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv04 from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';

export const OCI_SPEC_DIR = '/work/shared/specs/oci-image-spec';
const SHARED = ['defs.json', 'defs-descriptor.json', 'content-descriptor.json'];

type Validator = ((value: unknown) => boolean) & { errors?: unknown };
const addFormats = addFormatsModule as unknown as (ajv: unknown) => unknown;

function load(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(OCI_SPEC_DIR, name), 'utf8')) as Record<string, unknown>;
}

let ajv: InstanceType<typeof Ajv04> | undefined;
function compiler(): InstanceType<typeof Ajv04> {
  if (ajv) return ajv;
  ajv = new Ajv04({ allErrors: true, strict: false });
  addFormats(ajv);
  const bases = new Set<string>();
  for (const name of readdirSync(OCI_SPEC_DIR).filter((n) => n.endsWith('.json')))
    for (const id of collectIds(load(name))) bases.add(id.slice(0, id.lastIndexOf('/') + 1));
  for (const base of bases) for (const name of SHARED) ajv.addSchema(withoutIds(load(name)), `${base}${name}`);
  return ajv;
}

function collectIds(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => collectIds(v, out));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      if (k === 'id' && typeof v === 'string') out.push(v);
      else collectIds(v, out);
    }
  return out;
}

function withoutIds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutIds);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k, v]) => !(k === 'id' && typeof v === 'string'))
      .map(([k, v]) => [k, withoutIds(v)]),
  );
}

/** A validator for one of the spec's schemas, e.g. 'image-manifest-schema.json' or 'config-schema.json'. */
export function ociValidator(name: string): Validator {
  return compiler().compile(load(name)) as Validator;
}
