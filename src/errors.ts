// One error type for the whole project: a stable code, what went wrong, and what to do about it.
// The CLI turns it into an exit code; the server turns it into an HTTP status and a JSON body.

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

/** HTTP status for each kind when an error reaches a server response. */
const HTTP_STATUS: Readonly<Record<ErrorKind, number>> = Object.freeze({
  usage: 400,
  input: 400,
  check: 422,
  remote: 502,
  internal: 500,
});

export interface OodErrorOptions {
  hint?: string;
  cause?: unknown;
  kind?: ErrorKind;
  /** Overrides the status derived from the kind (e.g. 404, 413). */
  httpStatus?: number;
  /** Structured facts a renderer may show (e.g. the candidates of an ambiguous choice). */
  details?: Record<string, unknown>;
}

/** Every failure that ood reports on purpose. Anything else is a bug. */
export class OodError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly kind: ErrorKind;
  readonly httpStatus: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: OodErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OodError';
    this.code = code;
    this.hint = options.hint;
    this.kind = options.kind ?? 'input';
    this.httpStatus = options.httpStatus ?? HTTP_STATUS[this.kind];
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
  const message = value instanceof Error ? value.message : String(value);
  return new OodError('INTERNAL', `unexpected failure: ${message}`, {
    kind: 'internal',
    cause: value,
    hint: 'This is a bug in ood. Rerun with --verbose and report the output.',
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
    return new OodError('FILE_IS_DIRECTORY', `expected a ${what} but found a directory: ${path}`, { cause: err });
  }
  return new OodError('FILE_UNREADABLE', `cannot read ${what} ${path}: ${(err as Error)?.message ?? err}`, {
    cause: err,
  });
}
