// The file layer of an artifact given as a .zip or a directory: listing, bounded reads, digests and paths on disk,
// so that everything above (open.ts, the checks) is written once. A zip is read in place; only files that must be
// opened by path (the model and its external data for onnxruntime, every file for score.mjs) are streamed into a
// private 0700 temporary directory, hashed on the way so they are read once.
import { OodError } from '../errors.js';
import type { ArchiveInspection, ArchiveLimits, ZipArchive } from './archive.js';
import type { Digest } from './file-digest.js';

export type { Digest };

/** Limits and the parent of the private temporary directory. */
export interface ViewOptions {
  limits?: ArchiveLimits;
  /** Where the private temporary directory goes (default os.tmpdir()). */
  tempRoot?: string;
}

/** What may be read of an artifact. Content access throws OodError; checks turn that into FAILED or SKIPPED. */
export interface ArtifactView {
  readonly source: 'zip' | 'directory';
  readonly path: string;
  readonly inspection: ArchiveInspection;
  /** The open zip, for readers that need its layout (the registry's layer split); undefined for a directory. */
  readonly archive?: ZipArchive;
  /** Regular files, artifact-relative with forward slashes, sorted. */
  readonly files: readonly string[];
  has(name: string): boolean;
  read(name: string, maxBytes: number): Promise<Buffer>;
  digest(name: string): Promise<Digest>;
  /**
   * Take a file's digest from whoever is reading its bytes anyway, instead of reading them here (push hashes the
   * model while uploading it, then asks the gate again with that digest). Only before digest(name) was asked.
   */
  assumeDigest?(name: string, digest: Promise<Digest>): void;
  /** A path on disk holding the file's bytes. */
  localPath(name: string): Promise<string>;
  /**
   * A directory on disk holding every file at its artifact path (what score.mjs's load(dir) is given): the
   * directory itself, or for a zip a private temporary one. Throws ARCHIVE_UNSAFE for an unsafe zip.
   */
  directory(): Promise<string>;
  close(): Promise<void>;
}

/** Mark a cached promise as handled, so a failure nobody asks about is not an unhandled rejection. */
export function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}

/** The error for a file over a read's size bound. */
export const tooBig = (name: string, max: number) =>
  new OodError('ARTIFACT_FILE_TOO_LARGE', `${name} is larger than ${max} bytes`, {
    hint: 'This file should be small; check how it was made.',
  });
