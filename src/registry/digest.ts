// sha256 digests (OCI image-spec v1.1.0, descriptor.md "Digests"), computed while streaming, never buffered.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { OodError } from '../errors.js';

/** The digest string of a buffer. */
export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Stream a byte range [start, end) of a file. An empty range yields nothing. */
export function readFileRange(path: string, start: number, end: number): Readable {
  if (end <= start) return createReadStream(path, { start: 0, end: -1 });
  return createReadStream(path, { start, end: end - 1, highWaterMark: 1 << 20 });
}

/** Digest of a file range, streamed. */
export async function digestFileRange(path: string, start: number, end: number): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of readFileRange(path, start, end)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

/** The error every digest or size mismatch raises: the bytes are not the bytes the manifest names. */
export function digestMismatch(what: string, expected: string, actual: string): OodError {
  return new OodError('DIGEST_MISMATCH', `${what}: expected ${expected}, got ${actual}`, {
    hint: 'The stored bytes are corrupt or were replaced. Push the artifact again, or ask the registry operator to check its storage.',
  });
}

/**
 * A pass-through that hashes what flows and, at the end, fails the stream unless the bytes have exactly the
 * expected size and digest. Downstream writers therefore never finish on unverified data.
 */
export function verifyingStream(expected: { digest: string; size: number }, what: string): Transform {
  return checkedStream(expected, what, expected.digest);
}

/** A pass-through that fails the stream unless exactly `expected.size` bytes flow (the caller hashes them). */
export function sizeGuard(expected: { size: number }, what: string): Transform {
  return checkedStream(expected, what);
}

/** The size check both streams make, and the sha256 check when `digest` is given. */
function checkedStream(expected: { size: number }, what: string, digest?: string): Transform {
  const hash = digest === undefined ? undefined : createHash('sha256');
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      seen += chunk.length;
      if (seen > expected.size)
        return done(digestMismatch(`${what} is larger than its descriptor says`, `${expected.size} bytes`, `more`));
      hash?.update(chunk);
      done(null, chunk);
    },
    flush(done: TransformCallback) {
      if (seen !== expected.size)
        return done(digestMismatch(`${what} has the wrong size`, `${expected.size} bytes`, `${seen} bytes`));
      if (hash) {
        const actual = `sha256:${hash.digest('hex')}`;
        if (actual !== digest) return done(digestMismatch(`digest mismatch for ${what}`, digest!, actual));
      }
      done();
    },
  });
}

// image-spec v1.1.0 descriptor.md "Digests": `algorithm ":" encoded`, with the grammar of defs-descriptor.json;
// sha256 (the only algorithm ood stores) is 64 lowercase hex digits ("Registered algorithms").
const DIGEST_GRAMMAR = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const SHA256 = /^sha256:[a-f0-9]{64}$/;

/** Whether a value is a sha256 digest ood can name a file after; anything else never becomes a path. */
export function isSha256Digest(value: unknown): value is string {
  return typeof value === 'string' && SHA256.test(value);
}

/** Why a digest from a store or a registry cannot be used, or undefined when it is a sha256 digest. */
export function digestProblem(value: unknown): string | undefined {
  if (isSha256Digest(value)) return undefined;
  if (typeof value !== 'string') return `the digest is ${value === null ? 'null' : typeof value}, not a string`;
  const shown = JSON.stringify(value.slice(0, 100));
  if (!DIGEST_GRAMMAR.test(value)) return `${shown} is not a digest (algorithm:hex)`;
  return `${shown} is not a sha256 digest (sha256: and 64 lowercase hex digits)`;
}
