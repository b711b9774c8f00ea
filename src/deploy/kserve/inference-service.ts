// The KServe InferenceService of a model (serving.kserve.io/v1beta1; its CRD's openAPIV3Schema is the contract,
// kept in specs/kserve/). The predictor names the ONNX model format and the Open Inference Protocol (v2), the
// runtime (kserve-tritonserver by default: KServe's ONNX runtime is Triton), the storage, resources and replicas.
// The storage holds a Triton model repository, as `ood export triton` or `ood push --modelcar` write it.
import { OodError, type ErrorCode } from '../../errors.js';

/** Storage schemes that can hold a Triton repository for KServe's storage initializer or modelcars. */
export const STORAGE_SCHEMES = ['oci', 's3', 'gs', 'pvc'] as const;

/** Kubernetes resource quantity (apimachinery resource.Quantity; the pattern the CRD itself uses). */
const QUANTITY =
  /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;
/** RFC 1035 label, as Kubernetes requires of an InferenceService name (KServe builds Service names from it). */
const DNS_1035 = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** What the manifest is made of. */
export interface InferenceServiceOptions {
  name: string;
  namespace?: string;
  /** Where the model repository is; undefined when the runtime's image holds the model (`--runtime ood`). */
  storageUri?: string;
  /** ServingRuntime to use; default kserve-tritonserver. */
  runtime?: string;
  minReplicas?: number;
  maxReplicas?: number;
  cpu?: string;
  memory?: string;
  /** nvidia.com/gpu per replica; 0 or undefined for none. */
  gpus?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

function usage(code: ErrorCode, message: string, hint: string): OodError {
  return new OodError(code, message, { hint });
}

/** Check a storage URI and say which kind of storage it is. */
export function checkStorageUri(uri: string): (typeof STORAGE_SCHEMES)[number] {
  const scheme = /^([a-z0-9]+):\/\/(.+)$/.exec(uri);
  const kind = STORAGE_SCHEMES.find((s) => s === scheme?.[1]);
  if (!scheme || !kind)
    throw usage(
      'KSERVE_BAD_STORAGE_URI',
      `--storage-uri ${uri} is not an oci://, s3://, gs:// or pvc:// URI`,
      'Use oci://HOST/REPO:TAG for a modelcar (ood push --modelcar), or s3://BUCKET/PATH, gs://BUCKET/PATH or ' +
        'pvc://CLAIM/PATH for a Triton repository written by `ood export triton`.',
    );
  if (kind === 'oci' && !/^[^/]+\/[^:@]+(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}|@sha256:[a-f0-9]{64})$/.test(scheme[2]!))
    throw usage(
      'KSERVE_BAD_STORAGE_URI',
      `--storage-uri ${uri} does not name an image as HOST/REPO:TAG or HOST/REPO@sha256:…`,
      'Use the reference `ood push --modelcar` printed, e.g. oci://registry.example.com/models/digits:1.0.0.',
    );
  return kind;
}

function replicas(value: number | undefined, fallback: number, flag: string): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < 0)
    throw usage('BAD_OPTION', `--${flag} must be a whole number >= 0, not ${value}`, `Pass --${flag} 1.`);
  return v;
}

function quantity(value: string, flag: string): string {
  if (QUANTITY.test(value)) return value;
  throw usage(
    'BAD_OPTION',
    `--${flag} ${value} is not a Kubernetes quantity`,
    `Write it as Kubernetes does: --cpu 500m, --memory 2Gi.`,
  );
}

/** A Kubernetes name from anything: lowercase, [a-z0-9-], starting with a letter, at most 63 characters. */
export function kubernetesName(text: string): string {
  const name = text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return name || 'model';
}

/** The InferenceService object (YAML-ready), after checking every option. */
export function buildInferenceService(options: InferenceServiceOptions): Record<string, unknown> {
  if (!DNS_1035.test(options.name))
    throw usage(
      'KSERVE_BAD_NAME',
      `"${options.name}" cannot name an InferenceService (lowercase letters, digits and "-", starting with a letter, at most 63)`,
      `Pass --name ${kubernetesName(options.name)}`,
    );
  if (options.namespace !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(options.namespace))
    throw usage(
      'KSERVE_BAD_NAME',
      `"${options.namespace}" is not a Kubernetes namespace name`,
      'Pass --namespace with lowercase letters, digits and "-".',
    );
  if (options.storageUri !== undefined) checkStorageUri(options.storageUri);
  const min = replicas(options.minReplicas, 1, 'min-replicas');
  const max = replicas(options.maxReplicas, Math.max(min, 1), 'max-replicas');
  if (max < min || max === 0)
    throw usage(
      'BAD_OPTION',
      `--max-replicas ${max} must be at least 1 and at least --min-replicas ${min}`,
      `Pass --max-replicas ${Math.max(min, 1)}.`,
    );
  const cpu = quantity(options.cpu ?? '1', 'cpu');
  const memory = quantity(options.memory ?? '2Gi', 'memory');
  const gpus = options.gpus ?? 0;
  if (!Number.isSafeInteger(gpus) || gpus < 0)
    throw usage('BAD_OPTION', `--gpus must be a whole number >= 0, not ${gpus}`, 'Pass --gpus 1.');
  const gpu: Record<string, string> = gpus > 0 ? { 'nvidia.com/gpu': String(gpus) } : {};
  return {
    apiVersion: 'serving.kserve.io/v1beta1',
    kind: 'InferenceService',
    metadata: {
      name: options.name,
      ...(options.namespace ? { namespace: options.namespace } : {}),
      ...(options.labels && Object.keys(options.labels).length > 0 ? { labels: options.labels } : {}),
      ...(options.annotations && Object.keys(options.annotations).length > 0
        ? { annotations: options.annotations }
        : {}),
    },
    spec: {
      predictor: {
        minReplicas: min,
        maxReplicas: max,
        model: {
          modelFormat: { name: 'onnx' },
          protocolVersion: 'v2',
          runtime: options.runtime ?? 'kserve-tritonserver',
          ...(options.storageUri !== undefined ? { storageUri: options.storageUri } : {}),
          resources: {
            requests: { cpu, memory, ...gpu },
            limits: { cpu, memory, ...gpu },
          },
        },
      },
    },
  };
}
