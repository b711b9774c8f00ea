// One repository in a remote registry, spoken to with the OCI distribution spec v1.1 HTTP API:
// HEAD/GET blobs, POST+PUT (monolithic) or POST+PATCH…+PUT (chunked, Content-Range) uploads, PUT/GET manifests
// with OCI Accept headers, and the tags list with Link pagination. Upload Locations are used as returned,
// resolved against the request URL when relative.
import type { Readable } from 'node:stream';
import { OodError } from '../errors.js';
import { Authenticator } from './auth-challenge.js';
import type { Credentials } from './credentials.js';
import { sha256Digest } from './digest.js';
import { HttpTransport, discardBody, readBody, type HttpResponse, type RequestBody } from './http-transport.js';
import type { Descriptor } from './manifest.js';
import { MANIFEST_ACCEPT } from './media-types.js';
import { registryError } from './registry-errors.js';
import { newStats, type ArtifactStore, type BlobRangeOpener, type TransferStats } from './store.js';

/** How to reach a registry. */
export interface RemoteOptions {
  host: string;
  repository: string;
  plainHttp: boolean;
  ca?: Buffer;
  credentials?: Credentials;
  /** "pull" or "pull,push": the token scope requested in the bearer flow. */
  actions: string;
  /** Blobs up to this size go up in one PUT; larger ones in PATCH chunks of `chunkSize`. */
  monolithicLimit?: number;
  chunkSize?: number;
  /** Tags per page when listing (the `n` parameter); pages are followed through Link headers. */
  tagPageSize?: number;
}

const DEFAULT_CHUNK = 32 << 20;

/** An ArtifactStore backed by an OCI distribution registry. */
export class RemoteStore implements ArtifactStore {
  readonly stats: TransferStats = newStats();
  readonly where: string;
  /** Every request sent, as "METHOD path" — for tests and --verbose. */
  readonly log: string[] = [];
  private readonly transport: HttpTransport;
  private readonly auth: Authenticator;
  private readonly base: URL;
  private readonly monolithicLimit: number;
  private readonly chunkSize: number;
  private pinged = false;

  constructor(private readonly options: RemoteOptions) {
    this.where = `${options.host}/${options.repository}`;
    this.transport = new HttpTransport({ ca: options.ca });
    this.auth = new Authenticator(
      this.transport,
      options.credentials,
      `repository:${options.repository}:${options.actions}`,
    );
    this.base = new URL(`${options.plainHttp ? 'http' : 'https'}://${options.host}`);
    this.chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
    this.monolithicLimit = options.monolithicLimit ?? this.chunkSize;
  }

  private url(path: string): URL {
    return new URL(`/v2/${this.options.repository}/${path}`, this.base);
  }

  /** Send with auth; on a 401 answer the challenge once and resend (bodies are reopened from their factories). */
  private async send(
    method: string,
    url: URL,
    headers: Record<string, string> = {},
    body?: RequestBody,
  ): Promise<HttpResponse> {
    if (!this.pinged) await this.ping();
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
  private async ping(): Promise<void> {
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
          kind: 'remote',
          hint: 'Check the host and port of the registry.',
        },
      );
    }
    return this.fail('GET /v2/', response);
  }

  private async fail(what: string, response: HttpResponse): Promise<never> {
    const body = await readBody(response, 1 << 20).catch(() => Buffer.alloc(0));
    throw registryError(what, response.status, body, { host: this.options.host, repository: this.options.repository });
  }

  private location(response: HttpResponse, requestUrl: URL, what: string): URL {
    const loc = response.headers.location;
    if (!loc)
      throw new OodError('REGISTRY_PROTOCOL', `registry ${this.options.host} sent no Location for ${what}`, {
        kind: 'remote',
      });
    return new URL(loc, requestUrl);
  }

  async hasBlob(d: Descriptor): Promise<boolean> {
    const response = await this.send('HEAD', this.url(`blobs/${d.digest}`));
    await discardBody(response);
    if (response.status === 200) return true;
    if (response.status === 404) return false;
    return this.fail(`HEAD blob ${d.digest}`, response);
  }

  async putBlob(d: Descriptor, open: BlobRangeOpener): Promise<void> {
    const startUrl = this.url('blobs/uploads/');
    const started = await this.send('POST', startUrl);
    if (started.status !== 202) return this.fail(`start upload of ${d.digest}`, started);
    await discardBody(started);
    let location = this.location(started, startUrl, 'a new upload');
    const advertised = Number(started.headers['oci-chunk-min-length']);
    const minChunk = Number.isSafeInteger(advertised) && advertised > 0 ? advertised : 0;
    if (d.size > this.monolithicLimit)
      location = await this.patchChunks(d, open, location, Math.max(this.chunkSize, minChunk));
    const body: RequestBody | undefined =
      d.size > this.monolithicLimit ? undefined : { open: () => open(0, d.size), length: d.size };
    const finishUrl = withDigest(location, d.digest);
    const finished = await this.send('PUT', finishUrl, { 'content-type': 'application/octet-stream' }, body);
    if (finished.status !== 201) return this.fail(`finish upload of ${d.digest}`, finished);
    await discardBody(finished);
    this.stats.blobsUploaded += 1;
    if (body) this.stats.bytesUploaded += d.size;
  }

  /** PATCH the blob in order; resume from the registry's Range after a short write or a 416. */
  private async patchChunks(d: Descriptor, open: BlobRangeOpener, first: URL, chunk: number): Promise<URL> {
    let location = first;
    let offset = 0;
    let stalls = 0;
    while (offset < d.size) {
      const before = offset;
      const end = Math.min(offset + chunk, d.size);
      const response = await this.send(
        'PATCH',
        location,
        { 'content-type': 'application/octet-stream', 'content-range': `${offset}-${end - 1}` },
        { open: () => open(offset, end), length: end - offset },
      );
      if (response.status === 416) {
        await discardBody(response);
        ({ location, offset } = await this.uploadStatus(location));
      } else if (response.status === 202) {
        await discardBody(response);
        this.stats.bytesUploaded += end - offset;
        location = this.location(response, location, 'an upload chunk');
        offset = rangeEnd(response.headers.range) ?? end;
      } else {
        return this.fail(`upload chunk ${offset}-${end - 1} of ${d.digest}`, response);
      }
      stalls = offset > before ? 0 : stalls + 1;
      if (stalls > 5)
        throw new OodError(
          'UPLOAD_STALLED',
          `registry ${this.options.host} keeps refusing the upload of ${d.digest} at byte ${offset}`,
          { kind: 'remote', hint: 'Retry the push; it skips blobs already uploaded.' },
        );
    }
    return location;
  }

  /** GET an upload's status: where to continue, and how many bytes the registry holds. */
  private async uploadStatus(location: URL): Promise<{ location: URL; offset: number }> {
    const response = await this.send('GET', location);
    if (response.status !== 204 && response.status !== 200) return this.fail('upload status', response);
    await discardBody(response);
    // distribution reports an empty upload as "0-0" (the same as one byte); after a 416, zero is the safe reading.
    const held = rangeEnd(response.headers.range) ?? 0;
    return {
      location: response.headers.location ? this.location(response, location, 'upload status') : location,
      offset: held === 1 ? 0 : held,
    };
  }

  async putManifest(bytes: Buffer, digest: string, mediaType: string, tag: string | undefined): Promise<void> {
    const response = await this.send(
      'PUT',
      this.url(`manifests/${tag ?? digest}`),
      { 'content-type': mediaType },
      bytes,
    );
    if (response.status !== 201 && response.status !== 200) return this.fail(`PUT manifest ${tag ?? digest}`, response);
    await discardBody(response);
    const echoed = response.headers['docker-content-digest'];
    if (typeof echoed === 'string' && echoed !== digest) {
      throw new OodError(
        'DIGEST_MISMATCH',
        `registry ${this.options.host} stored the manifest as ${echoed}, expected ${digest}`,
        { kind: 'remote' },
      );
    }
  }

  async getManifest(reference: string): Promise<{ bytes: Buffer; digest: string; claimedDigest: string | undefined }> {
    const response = await this.send('GET', this.url(`manifests/${reference}`), { accept: MANIFEST_ACCEPT });
    if (response.status !== 200) return this.fail(`GET manifest ${reference}`, response);
    const bytes = await readBody(response, 4 << 20);
    const claimed = response.headers['docker-content-digest'];
    return { bytes, digest: sha256Digest(bytes), claimedDigest: typeof claimed === 'string' ? claimed : undefined };
  }

  async openBlob(d: Descriptor): Promise<Readable> {
    let url = this.url(`blobs/${d.digest}`);
    let response = await this.send('GET', url);
    for (let hops = 0; [301, 302, 303, 307, 308].includes(response.status) && hops < 5; hops++) {
      await discardBody(response);
      const next = this.location(response, url, 'a blob redirect');
      // Credentials stay with the registry: a redirect to storage elsewhere is fetched without them.
      response =
        next.host === url.host ? await this.send('GET', next) : await this.transport.send({ method: 'GET', url: next });
      url = next;
    }
    if (response.status !== 200) return this.fail(`GET blob ${d.digest}`, response);
    return response.body;
  }

  async listTags(): Promise<string[]> {
    const tags: string[] = [];
    let url: URL | undefined = this.url(`tags/list?n=${this.options.tagPageSize ?? 1000}`);
    for (let pages = 0; url && pages < 1000; pages++) {
      const response = await this.send('GET', url);
      if (response.status !== 200) return this.fail('list tags', response);
      const body = JSON.parse((await readBody(response, 8 << 20)).toString('utf8')) as { tags?: string[] | null };
      tags.push(...(body.tags ?? []));
      const next = /<([^>]+)>\s*;\s*rel="?next"?/.exec(String(response.headers.link ?? ''));
      url = next ? new URL(next[1]!, url) : undefined;
    }
    return [...new Set(tags)].sort();
  }

  close(): void {
    this.transport.close();
  }
}

/** Append ?digest= to an upload Location, keeping its own query (e.g. distribution's _state) untouched. */
export function withDigest(location: URL, digest: string): URL {
  const href = location.href;
  return new URL(`${href}${href.includes('?') ? '&' : '?'}digest=${encodeURIComponent(digest)}`);
}

/** The next byte to send, from a `Range: 0-<last>` header; undefined when absent. */
export function rangeEnd(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const m = value ? /^(?:bytes=)?0-(\d+)$/.exec(value.trim()) : null;
  return m ? Number(m[1]) + 1 : undefined;
}
