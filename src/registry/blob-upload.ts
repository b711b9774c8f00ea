// Blob uploads (OCI distribution spec v1.1, "Pushing blobs"): POST then one PUT for small blobs, POST + PATCH
// chunks (Content-Range) + PUT for large ones. A chunk that breaks resumes from the offset the registry reports
// ("Pushing a blob in chunks": GET on the upload URL answers 204 with `Range: 0-<offset>`); where the registry
// has dropped the session, or the whole upload failed transiently, the upload starts over.
import { OodError } from '../errors.js';
import { discardBody, isTransient, type HttpResponse, type RequestBody } from './http-transport.js';
import type { Descriptor } from './manifest.js';
import type { RegistrySession } from './registry-session.js';
import { backoffMs, isRetryableFailure, isRetryableStatus, pause } from './retry-policy.js';
import type { BlobRangeOpener, TransferStats } from './store.js';

/** Uploads blobs through a session, counting into `stats`. */
export class BlobUploader {
  constructor(
    private readonly session: RegistrySession,
    private readonly stats: TransferStats,
    private readonly monolithicLimit: number,
    private readonly chunkSize: number,
    private readonly has: (d: Descriptor) => Promise<boolean>,
  ) {}

  /**
   * Upload a blob. A transient failure restarts the upload after checking whether the blob arrived after all (a
   * lost answer to a successful PUT); a chunked upload resumes in place first (patchChunks). With `admitted`
   * (see ArtifactStore.putBlob) the bytes go up in PATCHes and the closing PUT waits for it; a rejection cancels
   * the upload session, so the registry never commits bytes the gate refused.
   */
  async putBlob(d: Descriptor, open: BlobRangeOpener, admitted?: Promise<string>): Promise<void> {
    let settled = admitted === undefined;
    admitted?.then(
      () => (settled = true),
      () => undefined,
    );
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.uploadOnce(d, open, admitted);
      } catch (err) {
        const restart = isRetryableFailure(err) || (err instanceof OodError && err.code === 'UPLOAD_SESSION_LOST');
        if (!restart || attempt >= this.session.retry.retries) throw err;
        await pause(backoffMs(attempt, this.session.retry));
        // Only a blob whose bytes were admitted may be taken as arrived.
        if (settled && (await this.has(d))) {
          this.stats.blobsUploaded += 1;
          return;
        }
      }
    }
  }

  /**
   * One upload: POST, then one PUT with the body, or PATCHes and a closing PUT. Both name the digest the bytes
   * must have, which the registry checks before it commits them (spec v1.1 "Pushing blobs": a mismatch is
   * DIGEST_INVALID). With `admitted`, a chunked upload is closed only once it settled (a refusal cancels the
   * session); a monolithic one cannot wait, and its refusal is thrown whatever the registry answered.
   */
  private async uploadOnce(d: Descriptor, open: BlobRangeOpener, admitted?: Promise<string>): Promise<void> {
    const startUrl = this.session.url('blobs/uploads/');
    const started = await this.session.send('POST', startUrl);
    if (started.status !== 202) return this.session.fail(`start upload of ${d.digest}`, started);
    await discardBody(started);
    let location = this.session.location(started, startUrl, 'a new upload');
    const advertised = Number(started.headers['oci-chunk-min-length']);
    const minChunk = Number.isSafeInteger(advertised) && advertised > 0 ? advertised : 0;
    const chunked = d.size > this.monolithicLimit;
    if (chunked) location = await this.patchChunks(d, open, location, Math.max(this.chunkSize, minChunk));
    if (chunked && admitted) await admitted.catch((err: unknown) => this.cancel(location, err));
    const body: RequestBody | undefined = chunked ? undefined : { open: () => open(0, d.size), length: d.size };
    const finished = await this.session.send(
      'PUT',
      withDigest(location, d.digest),
      { 'content-type': 'application/octet-stream' },
      body,
      false,
    );
    if (!chunked && admitted)
      await admitted.catch((err: unknown) => discardBody(finished).then(() => Promise.reject(err)));
    if (finished.status !== 201) return this.session.fail(`finish upload of ${d.digest}`, finished);
    await discardBody(finished);
    this.stats.blobsUploaded += 1;
    if (body) this.stats.bytesUploaded += d.size;
  }

  /** Cancel an upload session (distribution spec v1.1 "Canceling an upload": DELETE its URL), then rethrow. */
  private async cancel(location: URL, err: unknown): Promise<never> {
    const answer = await this.session.send('DELETE', location, {}, undefined, false).catch(() => undefined);
    if (answer) await discardBody(answer);
    throw err;
  }

  /**
   * PATCH the blob in order; resume from the registry's Range after a short write, a 416, or a chunk that broke
   * off or met a 5xx (the upload status says how much of it the registry kept).
   */
  private async patchChunks(d: Descriptor, open: BlobRangeOpener, first: URL, chunk: number): Promise<URL> {
    let location = first;
    let offset = 0;
    let stalls = 0;
    let breaks = 0;
    while (offset < d.size) {
      const before = offset;
      const end = Math.min(offset + chunk, d.size);
      let response: HttpResponse;
      try {
        response = await this.session.send(
          'PATCH',
          location,
          { 'content-type': 'application/octet-stream', 'content-range': `${offset}-${end - 1}` },
          { open: () => open(offset, end), length: end - offset },
          false,
        );
      } catch (err) {
        if (!isTransient(err) || breaks >= this.session.retry.retries) throw err;
        await pause(backoffMs(breaks++, this.session.retry));
        ({ location, offset } = await this.resumePoint(location, d));
        continue;
      }
      if (response.status === 416) {
        await discardBody(response);
        ({ location, offset } = await this.uploadStatus(location));
      } else if (response.status === 202) {
        await discardBody(response);
        this.stats.bytesUploaded += end - offset;
        location = this.session.location(response, location, 'an upload chunk');
        offset = Math.min(rangeEnd(response.headers.range) ?? end, end);
      } else if (isRetryableStatus(response.status) && breaks < this.session.retry.retries) {
        await discardBody(response);
        await pause(backoffMs(breaks++, this.session.retry, response.headers['retry-after']));
        ({ location, offset } = await this.resumePoint(location, d));
      } else {
        return this.session.fail(`upload chunk ${offset}-${end - 1} of ${d.digest}`, response);
      }
      stalls = offset > before ? 0 : stalls + 1;
      if (stalls > 5)
        throw new OodError(
          'UPLOAD_STALLED',
          `registry ${this.session.host} keeps refusing the upload of ${d.digest} at byte ${offset}`,
          { hint: 'Retry the push; it skips blobs already uploaded.' },
        );
    }
    return location;
  }

  /**
   * Where to continue after a chunk broke. A registry may have dropped the session or refuse its status once the
   * chunk was cut (distribution 2.8 answers 404 BLOB_UPLOAD_INVALID, since the session state no longer matches
   * what it stored): then the upload starts over, which putBlob does on UPLOAD_SESSION_LOST.
   */
  private async resumePoint(location: URL, d: Descriptor): Promise<{ location: URL; offset: number }> {
    try {
      return await this.uploadStatus(location);
    } catch (err) {
      const status = err instanceof OodError ? err.details?.status : undefined;
      if (status !== 404 && status !== 400 && status !== 416) throw err;
      throw new OodError('UPLOAD_SESSION_LOST', `registry ${this.session.host} lost the upload of ${d.digest}`, {
        cause: err,
        hint: 'Retry the push; it skips blobs already uploaded.',
      });
    }
  }

  /** GET an upload's status: where to continue, and how many bytes the registry holds. */
  private async uploadStatus(location: URL): Promise<{ location: URL; offset: number }> {
    const response = await this.session.send('GET', location);
    if (response.status !== 204 && response.status !== 200) return this.session.fail('upload status', response);
    await discardBody(response);
    // distribution reports an empty upload as "0-0" (the same as one byte); after a 416, zero is the safe reading.
    const held = rangeEnd(response.headers.range) ?? 0;
    if (held > Number.MAX_SAFE_INTEGER) throw this.session.protocolError(`reported an impossible upload offset`);
    return {
      location: response.headers.location ? this.session.location(response, location, 'upload status') : location,
      offset: held === 1 ? 0 : held,
    };
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
