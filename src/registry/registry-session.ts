// The HTTP conversation with one repository of a registry (OCI distribution spec v1.1): the /v2/ ping docker
// starts with, auth challenges answered once per request, retries of idempotent steps on transient failures
// (retry-policy.ts), and errors that lead with the registry's status and code. Whatever a registry answers, a
// malformed answer becomes a remote error with a message, never a crash.
import { OodError } from '../errors.js';
import { Authenticator } from './auth-challenge.js';
import type { Credentials } from './credentials.js';
import {
  HttpTransport,
  discardBody,
  isTransient,
  readBody,
  type HttpResponse,
  type RequestBody,
  type Timeouts,
} from './http-transport.js';
import { registryError } from './registry-errors.js';
import { DEFAULT_RETRY, backoffMs, isRetryableStatus, pause, type RetryPolicy } from './retry-policy.js';

/** How to reach a registry. */
export interface SessionOptions {
  host: string;
  repository: string;
  plainHttp: boolean;
  ca?: Buffer;
  credentials?: Credentials;
  /** "pull" or "pull,push": the token scope requested in the bearer flow. */
  actions: string;
  timeouts?: Partial<Timeouts>;
  retry?: Partial<RetryPolicy>;
}

/** Requests to one repository, authenticated and retried. */
export class RegistrySession {
  /** Every request sent, as "METHOD path" — for tests and --verbose. */
  readonly log: string[] = [];
  readonly transport: HttpTransport;
  readonly retry: RetryPolicy;
  private readonly auth: Authenticator;
  private readonly base: URL;
  private pinged = false;

  constructor(private readonly options: SessionOptions) {
    this.transport = new HttpTransport({ ca: options.ca, timeouts: options.timeouts });
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.auth = new Authenticator(
      this.transport,
      options.credentials,
      `repository:${options.repository}:${options.actions}`,
    );
    this.base = new URL(`${options.plainHttp ? 'http' : 'https'}://${options.host}`);
  }

  get host(): string {
    return this.options.host;
  }

  url(path: string): URL {
    return new URL(`/v2/${this.options.repository}/${path}`, this.base);
  }

  /**
   * Send with auth, retrying transient failures when the step is idempotent (every request but a PATCH and the
   * PUT that closes an upload, which putBlob retries as a whole). The last response is returned as it came, so
   * the caller reports the registry's own status and code.
   */
  async send(
    method: string,
    url: URL,
    headers: Record<string, string> = {},
    body?: RequestBody,
    idempotent = true,
  ): Promise<HttpResponse> {
    if (!this.pinged) await this.ping();
    for (let attempt = 0; ; attempt++) {
      let response: HttpResponse;
      try {
        response = await this.sendAuthorized(method, url, headers, body);
      } catch (err) {
        if (!idempotent || !isTransient(err) || attempt >= this.retry.retries) throw err;
        await pause(backoffMs(attempt, this.retry));
        continue;
      }
      if (!idempotent || !isRetryableStatus(response.status) || attempt >= this.retry.retries) return response;
      await discardBody(response);
      await pause(backoffMs(attempt, this.retry, response.headers['retry-after']));
    }
  }

  /** One request with auth; on a 401 answer the challenge once and resend (bodies reopen from their factories). */
  async sendAuthorized(
    method: string,
    url: URL,
    headers: Record<string, string>,
    body: RequestBody | undefined,
  ): Promise<HttpResponse> {
    for (let attempt = 0; ; attempt++) {
      const auth = this.auth.authorization;
      this.log.push(`${method} ${url.pathname}${url.search}`);
      const response = await this.transport.send({
        method,
        url,
        headers: auth ? { ...headers, authorization: auth } : headers,
        body,
      });
      if (response.status !== 401 || attempt > 0) return response;
      const challenge = response.headers['www-authenticate'];
      const denial = await readBody(response, 1 << 20).catch(() => Buffer.alloc(0));
      if (!(await this.auth.answer(Array.isArray(challenge) ? challenge[0] : challenge))) {
        throw registryError(`${method} ${url.pathname}`, 401, denial, {
          host: this.options.host,
          repository: this.options.repository,
        });
      }
    }
  }

  /**
   * GET /v2/ once before anything else, as docker does: it tells whether the registry speaks the API and, on a
   * 401, carries the challenge and a body with the registry's error code (a HEAD's 401 has no body).
   */
  async ping(): Promise<void> {
    this.pinged = true;
    const url = new URL('/v2/', this.base);
    const response = await this.send('GET', url);
    if (response.status === 200) return void (await discardBody(response));
    if (response.status === 404) {
      await discardBody(response);
      throw new OodError(
        'NOT_A_REGISTRY',
        `${this.options.host} does not serve the OCI distribution API (/v2/ answered 404)`,
        {
          hint: 'Check the host and port of the registry.',
        },
      );
    }
    return this.fail('GET /v2/', response);
  }

  async fail(what: string, response: HttpResponse): Promise<never> {
    const body = await readBody(response, 1 << 20).catch(() => Buffer.alloc(0));
    throw registryError(what, response.status, body, { host: this.options.host, repository: this.options.repository });
  }

  location(response: HttpResponse, requestUrl: URL, what: string): URL {
    const loc = response.headers.location;
    if (!loc) throw this.protocolError(`sent no Location for ${what}`);
    return this.resolve(loc, requestUrl, `the Location for ${what}`);
  }

  /** Resolve a URL the registry sent (Location, Link); one that does not parse is the registry's fault. */
  resolve(href: string, base: URL, what: string): URL {
    try {
      return new URL(href, base);
    } catch (err) {
      throw this.protocolError(`sent ${what} as "${href.slice(0, 200)}", which is not a URL`, err);
    }
  }

  protocolError(what: string, cause?: unknown): OodError {
    return new OodError('REGISTRY_PROTOCOL', `registry ${this.options.host} ${what}`, {
      cause,
      hint: 'The registry does not follow the OCI distribution spec here; check its version and logs.',
    });
  }

  close(): void {
    this.transport.close();
  }
}
