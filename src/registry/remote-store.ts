// One repository in a remote registry, spoken to with the OCI distribution spec v1.1 HTTP API:
// HEAD/GET blobs, uploads (blob-upload.ts), PUT/GET manifests with OCI Accept headers, and the tags list with
// Link pagination. The conversation itself (auth, retries, errors) is registry-session.ts; a broken blob
// download resumes with a Range request (resumable-download.ts).
import type { Readable } from 'node:stream';
import { OodError } from '../errors.js';
import { BlobUploader } from './blob-upload.js';
import { sha256Digest } from './digest.js';
import { discardBody, readBody } from './http-transport.js';
import type { Descriptor } from './manifest.js';
import { MANIFEST_ACCEPT } from './media-types.js';
import { RegistrySession, type SessionOptions } from './registry-session.js';
import { resumableDownload, type BlobBody } from './resumable-download.js';
import { newStats, type ArtifactStore, type BlobRangeOpener, type TransferStats } from './store.js';

/** How to reach a registry, and how to move blobs to it. */
export interface RemoteOptions extends SessionOptions {
  /** Blobs up to this size go up in one PUT; larger ones in PATCH chunks of `chunkSize`. */
  monolithicLimit?: number;
  chunkSize?: number;
  /** Tags per page when listing (the `n` parameter); pages are followed through Link headers. */
  tagPageSize?: number;
}

// Blobs go up in one streamed PUT as curl would send them, up to 1 GiB (measured on distribution 2.8: 32 MiB
// PATCHes made a 300 MB upload about 1.4x slower, BENCHMARKS.md); past that, in 256 MiB PATCHes, so that a break
// costs at most one chunk where the registry keeps what it got.
const DEFAULT_MONOLITHIC = 1 << 30;
const DEFAULT_CHUNK = 256 << 20;

/** An ArtifactStore backed by an OCI distribution registry. */
export class RemoteStore implements ArtifactStore {
  readonly stats: TransferStats = newStats();
  readonly where: string;
  private readonly session: RegistrySession;
  private readonly uploader: BlobUploader;

  constructor(private readonly options: RemoteOptions) {
    this.where = `${options.host}/${options.repository}`;
    this.session = new RegistrySession(options);
    const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
    const monolithic = options.monolithicLimit ?? Math.max(chunkSize, DEFAULT_MONOLITHIC);
    this.uploader = new BlobUploader(this.session, this.stats, monolithic, chunkSize, (d) => this.hasBlob(d));
  }

  /** Every request sent, as "METHOD path" — for tests and --verbose. */
  get log(): string[] {
    return this.session.log;
  }

  async hasBlob(d: Descriptor): Promise<boolean> {
    const response = await this.session.send('HEAD', this.session.url(`blobs/${d.digest}`));
    await discardBody(response);
    if (response.status === 200) return true;
    if (response.status === 404) return false;
    return this.session.fail(`HEAD blob ${d.digest}`, response);
  }

  /** Upload a blob (retried and resumed by the uploader). */
  putBlob(d: Descriptor, open: BlobRangeOpener, admitted?: Promise<string>): Promise<void> {
    return this.uploader.putBlob(d, open, admitted);
  }

  /**
   * Cross-repository blob mount (distribution-spec v1.1, "Mounting a blob from another repository"): POST
   * uploads/?mount=DIGEST&from=REPO. True when the registry mounted it (201); false when it opened an upload
   * session instead (202, which is cancelled), so the caller copies the bytes.
   */
  async mountBlob(d: Descriptor, fromRepository: string): Promise<boolean> {
    const query = `mount=${encodeURIComponent(d.digest)}&from=${encodeURIComponent(fromRepository)}`;
    const url = this.session.url(`blobs/uploads/?${query}`);
    const response = await this.session.send('POST', url);
    if (response.status !== 201 && response.status !== 202)
      return this.session.fail(`mount blob ${d.digest} from ${fromRepository}`, response);
    await discardBody(response);
    if (response.status === 201) return true;
    if (response.headers.location) {
      const session = this.session.location(response, url, 'a mount fallback');
      const cancel = await this.session.send('DELETE', session).catch(() => undefined);
      if (cancel) await discardBody(cancel);
    }
    return false;
  }

  /** Whether the registry serves the referrers API (distribution-spec v1.1 "Listing Referrers"); 404 = no. */
  async supportsReferrers(digest: string): Promise<boolean> {
    const response = await this.session.send('GET', this.session.url(`referrers/${digest}`), {
      accept: 'application/vnd.oci.image.index.v1+json',
    });
    await discardBody(response);
    return response.status === 200;
  }

  async putManifest(bytes: Buffer, digest: string, mediaType: string, tag: string | undefined): Promise<void> {
    const response = await this.session.send(
      'PUT',
      this.session.url(`manifests/${tag ?? digest}`),
      { 'content-type': mediaType },
      bytes,
    );
    if (response.status !== 201 && response.status !== 200)
      return this.session.fail(`PUT manifest ${tag ?? digest}`, response);
    await discardBody(response);
    const echoed = response.headers['docker-content-digest'];
    if (typeof echoed === 'string' && echoed !== digest) {
      throw new OodError(
        'DIGEST_MISMATCH',
        `registry ${this.options.host} stored the manifest as ${echoed}, expected ${digest}`,
        {},
      );
    }
  }

  /** GET a manifest; `accept` widens the Accept header (base images may be Docker schema 2 manifests or lists). */
  async getManifest(
    reference: string,
    accept: string = MANIFEST_ACCEPT,
  ): Promise<{ bytes: Buffer; digest: string; claimedDigest: string | undefined }> {
    const response = await this.session.send('GET', this.session.url(`manifests/${reference}`), { accept });
    if (response.status !== 200) return this.session.fail(`GET manifest ${reference}`, response);
    const bytes = await readBody(response, 4 << 20);
    const claimed = response.headers['docker-content-digest'];
    return { bytes, digest: sha256Digest(bytes), claimedDigest: typeof claimed === 'string' ? claimed : undefined };
  }

  async openBlob(d: Descriptor): Promise<Readable> {
    const first = await this.openBlobAt(d, 0);
    return resumableDownload(
      d.size,
      first,
      (offset) => this.openBlobAt(d, offset),
      this.session.retry,
      this.options.host,
    );
  }

  /** GET a blob from `offset` (a Range request past 0), following redirects to storage. */
  private async openBlobAt(d: Descriptor, offset: number): Promise<BlobBody> {
    const range: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
    let url = this.session.url(`blobs/${d.digest}`);
    let response = await this.session.send('GET', url, range);
    for (let hops = 0; [301, 302, 303, 307, 308].includes(response.status) && hops < 5; hops++) {
      await discardBody(response);
      const next = this.session.location(response, url, 'a blob redirect');
      // Credentials stay with the registry: a redirect to storage elsewhere is fetched without them.
      response =
        next.host === url.host
          ? await this.session.send('GET', next, range)
          : await this.session.transport.send({ method: 'GET', url: next, headers: range });
      url = next;
    }
    if (response.status === 200) return { body: response.body, startsAt: 0 };
    if (response.status === 206 && offset > 0) {
      const start = /^bytes (\d+)-/.exec(String(response.headers['content-range'] ?? ''));
      if (start && Number(start[1]) <= offset) return { body: response.body, startsAt: Number(start[1]) };
      await discardBody(response);
      throw this.session.protocolError(`answered a Range request for ${d.digest} with the wrong range`);
    }
    return this.session.fail(`GET blob ${d.digest}`, response);
  }

  async listTags(): Promise<string[]> {
    const tags: string[] = [];
    let url: URL | undefined = this.session.url(`tags/list?n=${this.options.tagPageSize ?? 1000}`);
    for (let pages = 0; url && pages < 1000; pages++) {
      const response = await this.session.send('GET', url);
      if (response.status !== 200) return this.session.fail('list tags', response);
      tags.push(...this.parseTagPage(await readBody(response, 8 << 20)));
      const next = /<([^>]+)>\s*;\s*rel="?next"?/.exec(String(response.headers.link ?? ''));
      url = next ? this.session.resolve(next[1]!, url, 'the next page of tags') : undefined;
    }
    return [...new Set(tags)].sort();
  }

  /** A tags page: {"name": …, "tags": [string…] | null} (spec v1.1, "Listing Tags"). */
  private parseTagPage(bytes: Buffer): string[] {
    let page: unknown;
    try {
      page = JSON.parse(bytes.toString('utf8'));
    } catch (err) {
      throw this.session.protocolError('answered the tags list with something that is not JSON', err);
    }
    const tags = (page as { tags?: unknown } | null)?.tags;
    if (tags === undefined || tags === null) return [];
    if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string'))
      throw this.session.protocolError('sent a tags list whose "tags" is not a list of strings');
    return tags as string[];
  }

  close(): void {
    this.session.close();
  }
}
