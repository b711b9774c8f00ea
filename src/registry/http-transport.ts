// A minimal HTTP(S) client on node:http/https: streaming request bodies with an exact Content-Length, streaming
// responses, keep-alive, an optional CA bundle, and three timeouts so that a registry that stops answering fails
// the command instead of hanging it: connect (TCP/TLS set-up), headers (request sent, no status line yet) and
// idle (no byte in either direction while a body is moving). No redirects are followed here; the caller decides.
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { OodError } from '../errors.js';

/** A request body: bytes, or a factory for a fresh stream (so that a request can be retried). */
export type RequestBody = Buffer | { open: () => Readable; length: number };

export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  body?: RequestBody;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: http.IncomingMessage;
}

/** How long to wait, in milliseconds, for each phase of a request. */
export interface Timeouts {
  connectMs: number;
  headersMs: number;
  idleMs: number;
}

/** Defaults a user would not notice on a working registry: a stalled one fails within about a minute. */
export const DEFAULT_TIMEOUTS: Readonly<Timeouts> = Object.freeze({
  connectMs: 30_000,
  headersMs: 120_000,
  idleMs: 60_000,
});

/** Transport settings for one registry. */
export interface TransportOptions {
  ca?: Buffer;
  timeouts?: Partial<Timeouts>;
}

/** Sends requests with pooled connections. */
export class HttpTransport {
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  private readonly httpsAgent: https.Agent;
  readonly timeouts: Timeouts;

  constructor(options: TransportOptions = {}) {
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 4, ...(options.ca ? { ca: options.ca } : {}) });
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  }

  send(request: HttpRequest): Promise<HttpResponse> {
    const { url, body } = request;
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return Promise.reject(
        new OodError('REGISTRY_PROTOCOL', `the registry ${url.host || url.href} sent ood to a ${url.protocol} URL`, {
          hint: 'A registry may only point at http(s) locations; check the registry or its storage redirects.',
        }),
      );
    }
    const secure = url.protocol === 'https:';
    const headers: Record<string, string> = { 'user-agent': 'ood', ...request.headers };
    const length = body === undefined ? 0 : Buffer.isBuffer(body) ? body.length : body.length;
    if (body !== undefined || ['PUT', 'POST', 'PATCH'].includes(request.method))
      headers['content-length'] = String(length);
    const what = `${request.method} ${url.pathname}`;
    const { connectMs, headersMs, idleMs } = this.timeouts;
    return new Promise<HttpResponse>((resolve, reject) => {
      let phase: 'connect' | 'send' | 'headers' | 'body' | 'done' = 'connect';
      let timer: NodeJS.Timeout | undefined;
      const arm = (ms: number, during: string) => {
        clearTimeout(timer);
        timer = setTimeout(() => req.destroy(timeoutError(url, what, during, ms)), ms);
      };
      const req = (secure ? https : http).request(url, {
        method: request.method,
        headers,
        agent: secure ? this.httpsAgent : this.httpAgent,
      });
      arm(connectMs, 'connecting');
      req.on('socket', (socket: Socket) => {
        const connected = () => {
          phase = 'send';
          clearTimeout(timer);
          watchIdle(
            req,
            socket,
            idleMs,
            () => phase === 'send' || phase === 'body',
            (ms) => {
              const err = timeoutError(url, what, phase === 'body' ? 'receiving the body' : 'sending the body', ms);
              if (phase === 'body') response?.body.destroy(err);
              req.destroy(err);
            },
          );
        };
        if (socket.connecting) socket.once(secure ? 'secureConnect' : 'connect', connected);
        else connected();
      });
      req.on('finish', () => {
        if (phase === 'connect' || phase === 'send') {
          phase = 'headers';
          arm(headersMs, 'waiting for the response headers');
        }
      });
      let response: HttpResponse | undefined;
      req.on('response', (res) => {
        phase = 'body';
        clearTimeout(timer);
        const settle = () => {
          phase = 'done';
        };
        res.once('end', settle);
        res.once('close', settle);
        response = { status: res.statusCode ?? 0, headers: res.headers, body: res };
        resolve(response);
      });
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(err instanceof OodError ? err : transportError(err, url));
      });
      req.on('close', () => clearTimeout(timer));
      if (body === undefined) req.end();
      else if (Buffer.isBuffer(body)) req.end(body);
      else {
        const source = body.open();
        source.on('error', (err) => req.destroy(err));
        source.pipe(req);
      }
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/** Call `onIdle` when the socket is silent for `ms` while `active()` holds; detached when the request closes. */
function watchIdle(
  req: http.ClientRequest,
  socket: Socket,
  ms: number,
  active: () => boolean,
  onIdle: (ms: number) => void,
): void {
  socket.setTimeout(ms);
  const listener = () => {
    if (active()) onIdle(ms);
  };
  socket.on('timeout', listener);
  req.once('close', () => {
    socket.off('timeout', listener);
    socket.setTimeout(0);
  });
}

function timeoutError(url: URL, what: string, during: string, ms: number): OodError {
  return new OodError(
    'REGISTRY_TIMEOUT',
    `the registry ${url.host} went silent for ${ms / 1000} s while ${during} (${what})`,
    {
      hint: 'Check that the registry is healthy; on a slow link raise the limit with --timeout SECONDS.',
    },
  );
}

/** Read a whole (small) response body. */
export async function readBody(response: HttpResponse, limit = 32 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of response.body) {
      total += (chunk as Buffer).length;
      if (total > limit) {
        response.body.destroy();
        throw new OodError(
          'RESPONSE_TOO_LARGE',
          `the registry sent more than ${limit} bytes where a small document was expected`,
          {},
        );
      }
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    throw bodyError(err, 'the registry');
  }
  return Buffer.concat(chunks);
}

/** A response body that broke off (connection reset, "aborted") as a retryable connection error. */
export function bodyError(err: unknown, host: string): OodError {
  if (err instanceof OodError) return err;
  return new OodError(
    'REGISTRY_CONNECTION',
    `the connection to ${host} broke off mid-response: ${(err as Error).message}`,
    {
      cause: err,
      hint: 'Retry; if it persists, check the registry logs.',
    },
  );
}

/** Drain and discard a response body so that the connection can be reused. */
export async function discardBody(response: HttpResponse): Promise<void> {
  response.body.resume();
  await new Promise<void>((resolve) => {
    if (response.body.readableEnded) return resolve();
    response.body.on('end', resolve);
    response.body.on('error', () => resolve());
    response.body.on('close', () => resolve());
  });
}

/**
 * Whether a failure is worth retrying: the connection broke, the registry went silent, or it refused the
 * connection (a registry restarting; an unknown host or route is not retried).
 */
export function isTransient(err: unknown): boolean {
  if (!(err instanceof OodError)) return false;
  if (err.code === 'REGISTRY_UNREACHABLE') return err.details?.errno === 'ECONNREFUSED';
  return err.code === 'REGISTRY_CONNECTION' || err.code === 'REGISTRY_TIMEOUT';
}

function transportError(err: Error, url: URL): OodError {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const host = url.host;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH') {
    return new OodError('REGISTRY_UNREACHABLE', `cannot reach the registry ${host} (${code})`, {
      cause: err,
      details: { errno: code },
      hint: `Check that the registry runs and that ${host} is the right host and port.`,
    });
  }
  if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/i.test(code) || /SSL|TLS|certificate/i.test(err.message)) {
    return new OodError('TLS_ERROR', `TLS connection to ${host} failed: ${err.message}`, {
      cause: err,
      hint: 'Pass --ca-file with the CA certificate that signed the registry, or --plain-http for a registry without TLS.',
    });
  }
  return new OodError('REGISTRY_CONNECTION', `connection to the registry ${host} failed: ${err.message}`, {
    cause: err,
    hint: 'Retry; if it persists, check the registry logs.',
  });
}
