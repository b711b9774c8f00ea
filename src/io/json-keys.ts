// The one key convention of ood's JSON output: snake_case (as `ood introspect` and `ood inspect` always
// printed, and as KServe V2 bodies and runtime.yaml's neighbours in the artifact read). The library's objects are
// camelCase TypeScript; the CLI converts at the edge. Only identifiers in camelCase are converted: keys that are
// data (tensor names such as input_ids, annotations such as org.opencontainers.image.version, runtime.yaml's
// GIT_COMMIT) contain no lowercase-to-uppercase step, or sit under a property listed as verbatim, and stay as they are.

/** Properties whose values are copied unconverted: maps whose keys are names in someone else's format. */
const VERBATIM = new Set(['annotations', 'labels']);

const CAMEL = /^[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)+$/;
const SNAKE = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$/;

/** fprAt95Tpr → fpr_at_95_tpr, blobsUploaded → blobs_uploaded; any other key unchanged. */
export function snakeCaseKey(key: string): string {
  if (!CAMEL.test(key)) return key;
  return key
    .replace(/([a-z])([0-9])/g, '$1_$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** The inverse for keys snakeCaseKey wrote: fpr_at_95_tpr → fprAt95Tpr. */
export function camelCaseKey(key: string): string {
  if (!SNAKE.test(key)) return key;
  return key.replace(/_([0-9])/g, '$1').replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** A deep copy of `value` with every object's keys converted by `convert` (verbatim properties excepted). */
export function convertKeys(value: unknown, convert: (key: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => convertKeys(v, convert));
  if (value === null || typeof value !== 'object') return value;
  if (ArrayBuffer.isView(value) || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>))
    out[convert(key)] = VERBATIM.has(key) ? v : convertKeys(v, convert);
  return out;
}
