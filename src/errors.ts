// One error type for the whole project: a stable code, what went wrong, and what to do about it.
// One table, ERROR_CODES, decides each code's kind, and so its exit code and HTTP status: the CLI turns an
// OodError into an exit code, the server into a status and a JSON body. docs/errors.md documents every code (a
// test keeps the two in step).
//
// Convention (docs/errors.md, "Writing an error"):
// - the code is UPPER_SNAKE, names the failure not the place (`DATA_MISMATCH`, not `CONFORM_ERROR`), and means
//   one thing: a failure with another cause or another exit code gets its own code;
// - the message says what went wrong and names the thing (path, input, option, value), lower case, no full stop,
//   no internal type names; the CLI prints it after `Error: `;
// - the hint is a runnable fix or the next thing to check, a sentence; the CLI prints it after `Hint: `.

/** Broad classes of failure; each has its own documented exit code. */
export type ErrorKind = 'usage' | 'input' | 'check' | 'remote' | 'internal';

/** Exit codes documented in README ("Exit codes"). */
export const EXIT_CODES: Readonly<Record<ErrorKind | 'ok', number>> = Object.freeze({
  ok: 0,
  usage: 2,
  input: 3,
  check: 4,
  remote: 5,
  internal: 70,
});

/** HTTP status for each kind when an error reaches a server response, unless its code names another. */
const KIND_HTTP_STATUS: Readonly<Record<ErrorKind, number>> = Object.freeze({
  usage: 400,
  input: 400,
  check: 422,
  remote: 502,
  internal: 500,
});

interface ErrorCodeSpec {
  readonly kind: ErrorKind;
  /** The HTTP status when it differs from the kind's (404, 405, 413, 503). */
  readonly http?: number;
}

/** Every code ood reports, grouped by the layer that raises it. Add a code here and a row to docs/errors.md. */
export const ERROR_CODES = {
  // errors/io: files and the catch-all
  FILE_IS_DIRECTORY: { kind: 'input' },
  FILE_NOT_FOUND: { kind: 'input' },
  FILE_UNREADABLE: { kind: 'input' },
  INTERNAL: { kind: 'internal' },
  NATIVE_LIBRARY_MISSING: { kind: 'input', http: 500 },
  OUTPUT_EXISTS: { kind: 'usage' },
  // artifact: building and reading artifacts (zip or directory)
  ARCHIVE_CORRUPT: { kind: 'input' },
  ARCHIVE_ENTRY_MISSING: { kind: 'input' },
  ARCHIVE_NOT_A_FILE: { kind: 'input' },
  ARCHIVE_UNREADABLE: { kind: 'input' },
  ARCHIVE_UNSAFE: { kind: 'check' },
  ARTIFACT_IS_A_MODEL: { kind: 'input' },
  ARTIFACT_UNREADABLE: { kind: 'input' },
  BAD_SOURCE_DATE_EPOCH: { kind: 'usage' },
  DIRECTORY_NOT_AN_ARTIFACT: { kind: 'input' },
  EVALUATION_NOT_BETTER_THAN_CHANCE: { kind: 'input' },
  EXTERNAL_DATA_MISSING: { kind: 'input' },
  EXTERNAL_DATA_OUTSIDE: { kind: 'input' },
  INCLUDE_CONFLICT: { kind: 'usage' },
  INCLUDE_NOT_A_FILE: { kind: 'input' },
  IO_SCHEMA_INVALID: { kind: 'internal' },
  LABELS_INVALID: { kind: 'input' },
  LABELS_MISMATCH: { kind: 'input' },
  LABELS_UNPLACED: { kind: 'input' },
  MANIFEST_INVALID: { kind: 'input' },
  MODEL_IS_AN_ARTIFACT: { kind: 'input' },
  OUTPUT_AMBIGUOUS: { kind: 'usage' },
  OUTPUT_IS_DIRECTORY: { kind: 'usage' },
  OUTPUT_MISSING: { kind: 'usage' },
  OUTPUT_NOT_A_DIRECTORY: { kind: 'usage' },
  PACKAGE_FILE_MISSING: { kind: 'internal' },
  RUNTIME_YAML_INVALID: { kind: 'internal' },
  SAMPLE_MISMATCH: { kind: 'input' },
  SAMPLE_NOT_JSON: { kind: 'input' },
  SCORE_NOT_A_FILE: { kind: 'usage' },
  SCORE_NOT_MJS: { kind: 'usage' },
  SOURCE_CHANGED: { kind: 'input' },
  SOURCE_NOT_A_FILE: { kind: 'input' },
  TRAINING_SCRIPT_NOT_FOUND: { kind: 'input' },
  UNSUPPORTED_VALUE_TYPE: { kind: 'input' },
  // certainty: enable, calibration data, scoring methods
  ALREADY_ENABLED: { kind: 'input' },
  AUTO_NEEDS_DATA: { kind: 'usage' },
  AUTO_NEEDS_OOD: { kind: 'usage' },
  AUTO_TAKES_NO_SETTINGS: { kind: 'usage' },
  BAD_BATCH_SIZE: { kind: 'usage' },
  BAD_NORMALIZE: { kind: 'usage' },
  BAD_OUTPUT_NAME: { kind: 'usage' },
  BAD_PERCENTILE: { kind: 'usage' },
  BAD_TEMPERATURE: { kind: 'usage' },
  CALIBRATION_FAILED: { kind: 'input' },
  CALIBRATION_NONFINITE: { kind: 'input' },
  CERTAINTY_METADATA_INVALID: { kind: 'input' },
  DATA_EMPTY: { kind: 'input' },
  DATA_INVALID: { kind: 'input' },
  DATA_MISMATCH: { kind: 'input' },
  DATA_MIXED: { kind: 'input' },
  DATA_TOO_SMALL: { kind: 'input' },
  DATA_UNSUPPORTED_IMAGES: { kind: 'input' },
  FEATURES_NEED_FEATURE_METHOD: { kind: 'usage' },
  FEATURES_NOT_FOUND: { kind: 'usage' },
  FEATURES_SINGULAR: { kind: 'input' },
  FEATURES_UNSUPPORTED: { kind: 'usage' },
  FEATURE_METHOD_NEEDS_DATA: { kind: 'usage' },
  GEN_BAD_GAMMA: { kind: 'usage' },
  HEAD_UNREADABLE: { kind: 'input' },
  IMAGE_OPTIONS: { kind: 'usage' },
  KNN_BAD_K: { kind: 'usage' },
  LOGITS_AMBIGUOUS: { kind: 'usage' },
  LOGITS_BAD_SHAPE: { kind: 'input' },
  LOGITS_NOT_FLOAT: { kind: 'input' },
  LOGITS_NOT_FOUND: { kind: 'usage' },
  METHOD_NEEDS_HEAD: { kind: 'usage' },
  NORMALIZE_NEEDS_DATA: { kind: 'usage' },
  NO_DEFAULT_OPSET: { kind: 'input' },
  NO_LOGITS: { kind: 'input' },
  NPY_INVALID: { kind: 'input' },
  ONNXRUNTIME_LOAD_FAILED: { kind: 'input' },
  OOD_VAL_NEEDS_AUTO: { kind: 'usage' },
  OPSET_TOO_OLD: { kind: 'input' },
  OUTPUT_NAME_TAKEN: { kind: 'usage' },
  REACT_BAD_PERCENTILE: { kind: 'usage' },
  REACT_NEEDS_HEAD: { kind: 'usage' },
  SHAPE_BAD_PERCENTILE: { kind: 'usage' },
  UNKNOWN_METHOD: { kind: 'usage' },
  VIM_BAD_DIM: { kind: 'usage' },
  // checks: what introspection reads
  ARTIFACT_FILE_MISSING: { kind: 'input' },
  ARTIFACT_FILE_TOO_LARGE: { kind: 'input' },
  ARTIFACT_REFUSED: { kind: 'check' },
  CHECK_NOT_IGNORABLE: { kind: 'usage' },
  // cli: options the library cannot see
  BAD_OPTION: { kind: 'usage' },
  BAD_USAGE: { kind: 'usage' },
  EMPTY_PASSWORD: { kind: 'usage' },
  EXECUTION_PROVIDER_UNAVAILABLE: { kind: 'input' },
  // deploy: handing the model to the engines a team already runs (Triton, KServe)
  IMAGE_NODE_TOO_OLD: { kind: 'input' },
  IMAGE_NODE_UNKNOWN: { kind: 'input' },
  IMAGE_PLATFORM_UNSUPPORTED: { kind: 'usage' },
  KSERVE_BAD_IMAGE: { kind: 'usage' },
  KSERVE_BAD_NAME: { kind: 'usage' },
  KSERVE_BAD_STORAGE_URI: { kind: 'usage' },
  KSERVE_NEEDS_IMAGE: { kind: 'usage' },
  KSERVE_NEEDS_STORAGE: { kind: 'usage' },
  MODELCAR_NEEDS_BASE: { kind: 'usage' },
  MODELCAR_NEEDS_REGISTRY: { kind: 'usage' },
  MODELCAR_NEEDS_ZIP: { kind: 'input' },
  MODELCAR_OPTION_ALONE: { kind: 'usage' },
  ONNXRUNTIME_PLATFORM_MISSING: { kind: 'input' },
  TRITON_BAD_NAME: { kind: 'usage' },
  TRITON_BAD_VERSION: { kind: 'usage' },
  TRITON_LABELS_MISMATCH: { kind: 'input' },
  TRITON_LABELS_UNPLACED: { kind: 'input' },
  TRITON_NOT_BATCHABLE: { kind: 'input' },
  TRITON_UNKNOWN_SHAPE: { kind: 'input' },
  TRITON_UNSUPPORTED_DATATYPE: { kind: 'input' },
  TRITON_UNSUPPORTED_TENSOR: { kind: 'input' },
  // evaluate: measuring the score
  EVALUATE_EMPTY_SET: { kind: 'input' },
  EVALUATE_NON_FINITE_SCORE: { kind: 'input' },
  EVALUATE_NOT_A_MODEL: { kind: 'input' },
  EVALUATE_NOT_ENABLED: { kind: 'input' },
  EVALUATE_NO_OOD: { kind: 'usage' },
  EVALUATE_NO_SCORE_OUTPUT: { kind: 'check' },
  EVALUATE_RUN_FAILED: { kind: 'input' },
  EVALUATION_INVALID: { kind: 'input' },
  EVALUATION_MODEL_MISMATCH: { kind: 'input' },
  // onnx: the codec
  MODEL_IS_LFS_POINTER: { kind: 'input' },
  NOT_ONNX: { kind: 'input' },
  ONNX_CORRUPT: { kind: 'input' },
  ONNX_TRUNCATED: { kind: 'input' },
  // registry: references, stores, OCI distribution
  AUTH_TOKEN_DENIED: { kind: 'remote' },
  AUTH_TOKEN_INVALID: { kind: 'remote' },
  BAD_MANIFEST: { kind: 'remote' },
  BAD_PLATFORM: { kind: 'usage' },
  BAD_REFERENCE: { kind: 'usage' },
  BASE_CONFIG_INCONSISTENT: { kind: 'input' },
  BASE_LAYER_UNSUPPORTED: { kind: 'input' },
  BASE_NOT_AN_IMAGE: { kind: 'input' },
  BASE_NOT_IN_REGISTRY: { kind: 'input' },
  BASE_PLATFORM_MISMATCH: { kind: 'input' },
  BASE_PLATFORM_MISSING: { kind: 'input' },
  BLOB_TOO_LARGE: { kind: 'input' },
  CREDENTIAL_HELPER_FAILED: { kind: 'input' },
  CREDENTIAL_HELPER_MISSING: { kind: 'input' },
  DIGEST_MISMATCH: { kind: 'remote' },
  IMAGE_NEEDS_REGISTRY_TAG: { kind: 'usage' },
  LAYOUT_CORRUPT: { kind: 'input' },
  LOCAL_STORE_NOT_FOUND: { kind: 'input' },
  LOCK_TIMEOUT: { kind: 'input' },
  NOT_AN_ARTIFACT: { kind: 'input' },
  NOT_AN_OOD_ARTIFACT: { kind: 'remote' },
  NOT_A_REGISTRY: { kind: 'remote' },
  PUSH_TO_DIGEST: { kind: 'usage' },
  REGISTRY_CONNECTION: { kind: 'remote' },
  REGISTRY_DELETE_DISABLED: { kind: 'remote' },
  REGISTRY_DENIED: { kind: 'remote' },
  REGISTRY_ERROR: { kind: 'remote' },
  REGISTRY_NOT_FOUND: { kind: 'remote' },
  REGISTRY_PROTOCOL: { kind: 'remote' },
  REGISTRY_TIMEOUT: { kind: 'remote' },
  REGISTRY_UNAUTHORIZED: { kind: 'remote' },
  REGISTRY_UNREACHABLE: { kind: 'remote' },
  REPOSITORY_NOT_FOUND: { kind: 'input' },
  RESPONSE_TOO_LARGE: { kind: 'remote' },
  RM_NEEDS_TAG: { kind: 'usage' },
  RM_TAG_SHARED: { kind: 'usage' },
  TAG_EXISTS: { kind: 'usage' },
  TLS_ERROR: { kind: 'remote' },
  UPLOAD_SESSION_LOST: { kind: 'remote' },
  UPLOAD_STALLED: { kind: 'remote' },
  // serve: the model server and its protocols (HTTP status matters here)
  ARTIFACT_INVALID: { kind: 'input' },
  BAD_BINARY_DATA: { kind: 'input' },
  BAD_BINARY_HEADER: { kind: 'input' },
  BAD_INSTANCES: { kind: 'input' },
  BAD_JSON: { kind: 'input' },
  BAD_REQUEST: { kind: 'input' },
  BAD_TENSOR_DATA: { kind: 'input' },
  BODY_TOO_LARGE: { kind: 'input', http: 413 },
  CLASSIFICATION_UNSUPPORTED: { kind: 'input' },
  CSV_BAD_ROW: { kind: 'input', http: 422 },
  CSV_BAD_VALUE: { kind: 'input', http: 422 },
  CSV_EMPTY: { kind: 'input', http: 422 },
  CSV_MALFORMED: { kind: 'input', http: 422 },
  CSV_NOT_SUPPORTED: { kind: 'input', http: 422 },
  DATATYPE_MISMATCH: { kind: 'input' },
  DEADLINE_EXCEEDED: { kind: 'input', http: 504 },
  DRUM_FORMAT_UNSUPPORTED: { kind: 'input', http: 422 },
  DRUM_MULTIPART_INVALID: { kind: 'input', http: 422 },
  DRUM_NO_DATA: { kind: 'input', http: 422 },
  DRUM_URL_PREFIX_INVALID: { kind: 'usage' },
  DRUM_WRONG_TARGET: { kind: 'input', http: 422 },
  DUPLICATE_INPUT: { kind: 'input' },
  ELEMENT_COUNT_MISMATCH: { kind: 'input' },
  EMPTY_BODY: { kind: 'input' },
  INFERENCE_FAILED: { kind: 'internal' },
  INSTANCE_CRASHED: { kind: 'internal' },
  LISTEN_FAILED: { kind: 'input' },
  METHOD_NOT_ALLOWED: { kind: 'input', http: 405 },
  MISSING_INPUT: { kind: 'input' },
  MODEL_LOADING: { kind: 'input', http: 503 },
  MODEL_LOAD_FAILED: { kind: 'input', http: 503 },
  MODEL_NOT_FOUND: { kind: 'input', http: 404 },
  MODEL_NOT_READY: { kind: 'input', http: 503 },
  MODEL_OUTPUT_MISSING: { kind: 'internal' },
  MODEL_VERSION_NOT_FOUND: { kind: 'input', http: 404 },
  NOT_FOUND: { kind: 'input', http: 404 },
  PORT_FORBIDDEN: { kind: 'input' },
  PORT_IN_USE: { kind: 'input' },
  QUEUE_FULL: { kind: 'input', http: 503 },
  MEMORY_BUSY: { kind: 'input', http: 503 },
  REQUEST_EXCEEDS_MEMORY: { kind: 'input', http: 413 },
  RAW_BINARY_UNSUPPORTED: { kind: 'input' },
  ROW_FORMAT_UNSUPPORTED: { kind: 'input' },
  SAMPLE_FAILED: { kind: 'input' },
  SAMPLE_INVALID: { kind: 'input' },
  SCORE_INVALID: { kind: 'input' },
  SERVER_STOPPING: { kind: 'input', http: 503 },
  SHAPE_MISMATCH: { kind: 'input' },
  UNKNOWN_INPUT: { kind: 'input' },
  UNKNOWN_OUTPUT: { kind: 'input' },
  UNSUPPORTED_DATATYPE: { kind: 'input' },
  // verify: serving an artifact and checking its answers
  VERIFY_DATA_INVALID: { kind: 'input' },
  VERIFY_STOP_TIMEOUT: { kind: 'input' },
} as const satisfies Record<string, ErrorCodeSpec>;

/** A code from the table: the only thing OodError accepts, so a typo or an unlisted code fails to compile. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Whether a string from outside the type system (a worker thread, a JSON body) is one of the table's codes. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/** What a code decides: its kind, exit code and HTTP status. */
export function errorCodeSpec(code: ErrorCode): { kind: ErrorKind; exitCode: number; httpStatus: number } {
  const spec: ErrorCodeSpec = ERROR_CODES[code];
  return { kind: spec.kind, exitCode: EXIT_CODES[spec.kind], httpStatus: spec.http ?? KIND_HTTP_STATUS[spec.kind] };
}

export interface OodErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Structured facts a renderer may show (e.g. the candidates of an ambiguous choice). */
  details?: Record<string, unknown>;
}

/** Every failure that ood reports on purpose. Anything else is a bug. */
export class OodError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly hint: string | undefined;
  readonly kind: ErrorKind;
  readonly httpStatus: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: C, message: string, options: OodErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OodError';
    this.code = code;
    this.hint = options.hint;
    const spec = errorCodeSpec(code);
    this.kind = spec.kind;
    this.httpStatus = spec.httpStatus;
    this.details = options.details;
  }

  get exitCode(): number {
    return EXIT_CODES[this.kind];
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, hint: this.hint, kind: this.kind, details: this.details };
  }
}

/** Narrow an unknown thrown value. */
export function isOodError(value: unknown): value is OodError {
  return value instanceof OodError;
}

/** Wrap an unexpected exception so that it is reported as a bug, keeping the original as cause. */
export function toOodError(value: unknown): OodError {
  if (isOodError(value)) return value;
  const native = nativeLibraryError(value);
  if (native) return native;
  const message = value instanceof Error ? value.message : String(value);
  return new OodError('INTERNAL', `unexpected failure: ${message}`, {
    cause: value,
    hint: 'This is a bug in ood. Rerun with --verbose and report the output.',
  });
}

/**
 * A native addon (onnxruntime-node's) that the dynamic loader cannot load, e.g. on a minimal container image
 * without librt: an error of the machine ood runs on, not a bug in ood. Node reports it as ERR_DLOPEN_FAILED
 * with the loader's message; across a worker thread only the message survives, so both are recognised.
 */
export function nativeLibraryError(value: unknown): OodError | undefined {
  const err = value as { code?: unknown; message?: unknown } | undefined;
  const message = typeof err?.message === 'string' ? err.message : '';
  if (err?.code !== 'ERR_DLOPEN_FAILED' && !/cannot open shared object file|ERR_DLOPEN_FAILED/.test(message))
    return undefined;
  const library = /([\w.+-]+\.so[\w.]*): cannot open shared object file/.exec(message)?.[1];
  return new OodError('NATIVE_LIBRARY_MISSING', `onnxruntime-node's native library cannot be loaded: ${message}`, {
    cause: value,
    hint: library
      ? `This system lacks ${library}, which onnxruntime-node needs. Install it, or use a glibc image that has it (e.g. node:20-slim) as the base.`
      : 'Install the shared libraries onnxruntime-node needs (ldd its .node file lists them), or use a glibc image such as node:20-slim.',
  });
}

/** Turn a Node filesystem error into an input error that names the path. */
export function fileError(err: unknown, path: string, what = 'file'): OodError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') {
    return new OodError('FILE_NOT_FOUND', `${what} not found: ${path}`, {
      cause: err,
      hint: 'Check the path and try again.',
    });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new OodError('FILE_UNREADABLE', `cannot read ${what}: ${path} (permission denied)`, {
      cause: err,
      hint: `Check the permissions of ${path}.`,
    });
  }
  if (code === 'EISDIR') {
    const article = /^[aeiou]/i.test(what) ? 'an' : 'a';
    return new OodError('FILE_IS_DIRECTORY', `expected ${article} ${what} but found a directory: ${path}`, {
      cause: err,
    });
  }
  return new OodError('FILE_UNREADABLE', `cannot read ${what} ${path}: ${(err as Error)?.message ?? err}`, {
    cause: err,
  });
}
