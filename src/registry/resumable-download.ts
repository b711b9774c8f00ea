// A blob download that survives a broken connection: when the body breaks off (reset, idle timeout, an early
// end), it asks again from the byte it reached with `Range: bytes=N-` (RFC 9110 §14.2; the OCI distribution
// spec v1.1, "Pulling blobs", lets a registry honour Range on blob GETs). A registry that ignores Range answers
// 200 with the whole blob, and the bytes already delivered are skipped. Reopenings are bounded by the policy.
import { Readable } from 'node:stream';
import { bodyError, isTransient } from './http-transport.js';
import { backoffMs, pause, type RetryPolicy } from './retry-policy.js';

/** A response body and the blob offset of its first byte. */
export interface BlobBody {
  body: Readable;
  startsAt: number;
}

/** Stream `size` bytes, starting from the already-open `first`, reopening with `openAt(offset)` after a break. */
export function resumableDownload(
  size: number,
  first: BlobBody,
  openAt: (offset: number) => Promise<BlobBody>,
  policy: RetryPolicy,
  host: string,
): Readable {
  async function* bytes(): AsyncGenerator<Buffer> {
    let offset = 0;
    let current: BlobBody | undefined = first;
    for (let reopenings = 0; ; reopenings++) {
      current ??= await openAt(offset);
      let skip = offset - current.startsAt;
      let failure: unknown;
      try {
        for await (const chunk of current.body) {
          let piece = chunk as Buffer;
          if (skip > 0) {
            if (piece.length <= skip) {
              skip -= piece.length;
              continue;
            }
            piece = piece.subarray(skip);
            skip = 0;
          }
          offset += piece.length;
          yield piece;
        }
      } catch (err) {
        failure = bodyError(err, host);
      }
      // A clean end is the end, short or not: the digest check downstream judges it. Only breaks are retried.
      if (failure === undefined) return;
      if (!isTransient(failure) || reopenings >= policy.retries || offset >= size) throw failure;
      current.body.destroy();
      current = undefined;
      await pause(backoffMs(reopenings, policy));
    }
  }
  return Readable.from(bytes(), { objectMode: false, highWaterMark: 1 << 20 });
}
