// The transport-free request and response that every protocol handler speaks (MLflow's shape: a handler is a
// plain function from a request to {status, headers, body}), and the JSON error body they share.
import type { IncomingHttpHeaders } from 'node:http';
import { toOodError } from '../errors.js';
import type { MemoryAccount } from './memory-budget.js';

/** A request as a handler sees it: the body is already read (and bounded by --max-body). */
export interface ServeRequest {
  method: string;
  /** Path without query and without a trailing slash ("/" stays "/"). */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  requestId: string;
  /** performance.now() when the request arrived: deadlines count from here. */
  receivedAt?: number;
  /** Where the request's time went; handlers and the engine fill it in, the access log and metrics read it. */
  timings: RequestTimings;
  /** The request's share of the server's memory budget (memory-budget.ts); released when it is answered. */
  memory?: MemoryAccount;
}

/** Milliseconds per phase of an inference request, and the rows it carried. */
export interface RequestTimings {
  decodeMs?: number;
  queueMs?: number;
  inferMs?: number;
  encodeMs?: number;
  /** Rows of the batch the request ran in (dynamic batching may merge several requests). */
  batchSize?: number;
  /** Rows of this request. */
  rows?: number;
}

/** A response before it is written to a socket. */
export interface ServeResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** A JSON response; `text` may be pre-rendered JSON (the tensor encoder writes its own). */
export function jsonResponse(status: number, value: unknown, text?: string): ServeResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: text ?? JSON.stringify(value) };
}

/** The error body of every protocol here: {"error": "..."} (KServe V2), plus our stable code and hint. */
export function errorResponse(err: unknown): ServeResponse {
  const error = toOodError(err);
  const body: Record<string, string> = { error: error.message, code: error.code };
  if (error.hint) body.hint = error.hint;
  const response = jsonResponse(error.httpStatus, body);
  // RFC 9110 §10.2.3: Retry-After with a 503 says how long the service is expected to be unavailable.
  const retry = error.details?.retryAfterSeconds;
  if (typeof retry === 'number') response.headers = { ...response.headers, 'retry-after': String(retry) };
  return response;
}

/** Normalize a URL path: no query, no trailing slash (DRUM clients call /predict/). */
export function normalizePath(rawUrl: string): { path: string; query: URLSearchParams } {
  const q = rawUrl.indexOf('?');
  let path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  while (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  try {
    path = decodeURIComponent(path);
  } catch {
    // keep the raw path; the router answers 404
  }
  return { path, query: new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1)) };
}
