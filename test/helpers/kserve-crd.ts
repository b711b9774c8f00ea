// KServe's own CRD schemas (specs/kserve/, the openAPIV3Schema of each CustomResourceDefinition) as ajv
// validators. Kubernetes prunes fields a structural schema does not declare, so a misspelt field would vanish
// silently on `kubectl apply`; to catch that here, every object schema that lists properties and neither
// allows extra ones nor preserves unknown fields gets additionalProperties: false.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';

export const KSERVE_SPEC_DIR = '/work/shared/specs/kserve';
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function closeObjects(schema: unknown, formats: Set<string>): unknown {
  if (Array.isArray(schema)) return schema.map((s) => closeObjects(s, formats));
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'format' && typeof v === 'string') formats.add(v);
    out[k] =
      k === 'properties'
        ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, closeObjects(s, formats)]))
        : closeObjects(v, formats);
  }
  if (out.properties && out.additionalProperties === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true)
    out.additionalProperties = false;
  return out;
}

type Validator = ((value: unknown) => boolean) & { errors?: unknown };

/** The validator of a CRD file, e.g. 'serving.kserve.io_inferenceservices.yaml'. */
export function crdValidator(file: string): Validator {
  const crd = parse(readFileSync(join(KSERVE_SPEC_DIR, file), 'utf8')) as {
    spec: { versions: { name: string; schema: { openAPIV3Schema: unknown } }[] };
  };
  const formats = new Set<string>();
  const schema = closeObjects(
    crd.spec.versions.find((v) => v.name === 'v1beta1' || v.name === 'v1alpha1')!.schema.openAPIV3Schema,
    formats,
  );
  const ajv = addFormats(new Ajv({ allErrors: true, strict: false }));
  // Kubernetes' own formats (int32, int64, byte, …) that ajv-formats lacks: Kubernetes checks them, not this test.
  for (const f of formats) if (!ajv.formats[f]) ajv.addFormat(f, true);
  return ajv.compile(schema as object) as Validator;
}
