// What push, pull and ls need from a place that holds artifacts. Two implementations: the local OCI image
// layout (local-layout.ts) and a remote OCI distribution registry (remote-store.ts).
import type { Readable } from 'node:stream';
import type { Descriptor } from './manifest.js';

/** Opens a byte range [start, end) of a blob's content. */
export type BlobRangeOpener = (start: number, end: number) => Readable;

/** Counters a caller can read to see what a push or pull actually moved. */
export interface TransferStats {
  blobsUploaded: number;
  blobsSkipped: number;
  bytesUploaded: number;
  bytesDownloaded: number;
}

/** A repository in a store: content-addressed blobs plus tagged manifests. */
export interface ArtifactStore {
  /** Human-readable location for messages, e.g. "127.0.0.1:5000/team/digits". */
  readonly where: string;
  readonly stats: TransferStats;
  hasBlob(descriptor: Descriptor): Promise<boolean>;
  /**
   * Store a blob; `open(start, end)` streams bytes [start, end) of it and may be called again for retries. With
   * `admitted`, the caller hashes the bytes while they go up (push.ts): it settles to the descriptor's digest once
   * the admission gate has judged them, or rejects, and the store commits the blob only after it settled (a
   * rejection cancels the upload and is thrown).
   */
  putBlob(descriptor: Descriptor, open: BlobRangeOpener, admitted?: Promise<string>): Promise<void>;
  /** Store manifest bytes under their digest and, when given, a tag. */
  putManifest(bytes: Buffer, digest: string, mediaType: string, tag: string | undefined): Promise<void>;
  /** Fetch manifest bytes by tag or digest; the digest is computed from the bytes received. */
  getManifest(tagOrDigest: string): Promise<{ bytes: Buffer; digest: string; claimedDigest: string | undefined }>;
  /** Open a blob for reading (paused until piped; not yet verified — callers verify and count). */
  openBlob(descriptor: Descriptor): Promise<Readable>;
  listTags(): Promise<string[]>;
}

/** Fresh zeroed counters. */
export function newStats(): TransferStats {
  return { blobsUploaded: 0, blobsSkipped: 0, bytesUploaded: 0, bytesDownloaded: 0 };
}
