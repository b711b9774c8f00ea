// Where a reader meets an older artifact format. Each document of an artifact names its format version
// (runtime.yaml MODEL_ARTIFACT_VERSION, manifest.json artifact_version, *_schema.json schema_version); before a
// document is validated against today's schema, the shims registered here lift it, one version step at a time,
// to ARTIFACT_VERSION. Format 1.0 is the first format, so the registry of released formats is empty: when 1.1
// changes a document, its shim from "1.0" goes here and every reader (serve, verify, evaluate, push, introspect)
// reads 1.0 artifacts through it. See docs/artifact-format.md, "Format versions and migration".
import { ARTIFACT_VERSION } from './spec.js';

/** The documents of an artifact that carry a format version. */
export type VersionedDocument = 'runtime' | 'io-schema' | 'manifest';

/** A step from one format version to the next: pure functions over parsed documents (never over file bytes). */
export interface FormatShim {
  /** The version this shim reads, e.g. "1.0". */
  from: string;
  /** The version it produces, e.g. "1.1". */
  to: string;
  /** What changed, for the record (docs and --verbose). */
  change: string;
  /** Rewrite one parsed document; documents a shim does not mention pass unchanged except for their version. */
  runtime?(doc: Record<string, unknown>): Record<string, unknown>;
  ioSchema?(doc: Record<string, unknown>): Record<string, unknown>;
  manifest?(doc: Record<string, unknown>): Record<string, unknown>;
}

/** Shims keyed by the version they read. */
export type MigrationRegistry = ReadonlyMap<string, FormatShim>;

/** The released formats ood can migrate from. Empty: 1.0 is the first (and current) format. */
export const FORMAT_MIGRATIONS: MigrationRegistry = new Map();

/** The field that holds a document's format version. */
const VERSION_FIELD: Record<VersionedDocument, string> = {
  runtime: 'MODEL_ARTIFACT_VERSION',
  'io-schema': 'schema_version',
  manifest: 'artifact_version',
};

/** A document lifted to the current format, with the versions it passed through (empty when already current). */
export interface Migrated {
  doc: unknown;
  steps: string[];
}

/**
 * Lift a parsed document to ARTIFACT_VERSION through the registry. A version with no shim (the current one, a
 * newer one, or garbage) is left as it is: the current schema then judges it and names the field.
 */
export function migrateDocument(
  kind: VersionedDocument,
  doc: unknown,
  registry: MigrationRegistry = FORMAT_MIGRATIONS,
  target: string = ARTIFACT_VERSION,
): Migrated {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return { doc, steps: [] };
  const field = VERSION_FIELD[kind];
  let current = doc as Record<string, unknown>;
  const steps: string[] = [];
  for (let guard = 0; guard <= registry.size; guard++) {
    const version = current[field];
    if (typeof version !== 'string' || version === target) break;
    const shim = registry.get(version);
    if (!shim) break;
    const rewrite = kind === 'runtime' ? shim.runtime : kind === 'io-schema' ? shim.ioSchema : shim.manifest;
    current = { ...(rewrite ? rewrite(structuredClone(current)) : current), [field]: shim.to };
    steps.push(`${shim.from} → ${shim.to}`);
  }
  return { doc: current, steps };
}
