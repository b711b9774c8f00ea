// A minimal HTTP(S) client on node:http/https: streaming request bodies with an exact Content-Length, streaming
// responses, keep-alive, an optional CA bundle. No redirects are followed here; the caller decides.
import http from 'node:http';
import https from 'node:https';
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

/** Transport settings for one registry. */
export interface TransportOptions {
  ca?: Buffer;
}

/** Sends requests with pooled connections. */
export class HttpTransport {
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  private readonly httpsAgent: https.Agent;

  constructor(options: TransportOptions = {}) {
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 4, ...(options.ca ? { ca: options.ca } : {}) });
  }

  send(request: HttpRequest): Promise<HttpResponse> {
    const { url, body } = request;
    const secure = url.protocol === 'https:';
    const headers: Record<string, string> = { 'user-agent': 'ood', ...request.headers };
    const length = body === undefined ? 0 : Buffer.isBuffer(body) ? body.length : body.length;
    if (body !== undefined || ['PUT', 'POST', 'PATCH'].includes(request.method))
      headers['content-length'] = String(length);
    return new Promise<HttpResponse>((resolve, reject) => {
      const req = (secure ? https : http).request(
        url,
        { method: request.method, headers, agent: secure ? this.httpsAgent : this.httpAgent },
        (res) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res }),
      );
      req.on('error', (err) => reject(transportError(err, url)));
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

/** Read a whole (small) response body. */
export async function readBody(response: HttpResponse, limit = 32 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += (chunk as Buffer).length;
    if (total > limit) {
      response.body.destroy();
      throw new OodError(
        'RESPONSE_TOO_LARGE',
        `the registry sent more than ${limit} bytes where a small document was expected`,
        { kind: 'remote' },
      );
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
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

function transportError(err: Error, url: URL): OodError {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const host = url.host;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH') {
    return new OodError('REGISTRY_UNREACHABLE', `cannot reach the registry ${host} (${code})`, {
      kind: 'remote',
      cause: err,
      hint: `Check that the registry runs and that ${host} is the right host and port.`,
    });
  }
  if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/i.test(code) || /SSL|TLS|certificate/i.test(err.message)) {
    return new OodError('TLS_ERROR', `TLS connection to ${host} failed: ${err.message}`, {
      kind: 'remote',
      cause: err,
      hint: 'Pass --ca-file with the CA certificate that signed the registry, or --plain-http for a registry without TLS.',
    });
  }
  return new OodError('REGISTRY_CONNECTION', `connection to the registry ${host} failed: ${err.message}`, {
    kind: 'remote',
    cause: err,
    hint: 'Retry; if it persists, check the registry logs.',
  });
}
