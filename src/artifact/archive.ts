// Safe, read-in-place access to zip artifacts (PKWARE APPNOTE 6.3.10, zip64 included) through yauzl. Listing an
// archive never extracts it: names, types and sizes are judged from the central directory, and one entry's bytes
// can be streamed (for hashing) with its size counted as it flows, so a lying size header cannot inflate it.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import { OodError, fileError } from '../errors.js';
import { modelGivenAsArtifact } from './wrong-kind.js';
import { collisionKey, entryKind, nameFindings, type ArchiveFinding, type EntryKind } from './archive-names.js';

export type { ArchiveFinding, ArchiveFindingCode, EntryKind } from './archive-names.js';

/** Limits against zip bombs. Generous for models (tens of GB), tight enough to stop a bomb before the disk fills. */
export interface ArchiveLimits {
  maxEntries: number;
  maxUncompressedBytes: number;
}

/** 10 000 entries and 64 GiB uncompressed; an artifact is a handful of files plus the model's external data. */
export const DEFAULT_ARCHIVE_LIMITS: Readonly<ArchiveLimits> = Object.freeze({
  maxEntries: 10_000,
  maxUncompressedBytes: 64 * 2 ** 30,
});

/** One entry as the central directory describes it. `name` is the decoded name, exactly as stored. */
export interface ArchiveEntry {
  name: string;
  kind: EntryKind;
  size: number;
  compressedSize: number;
  compressionMethod: number;
  encrypted: boolean;
}

/** The result of listing an archive: what it holds and every reason not to trust it. */
export interface ArchiveInspection {
  path: string;
  entries: ArchiveEntry[];
  findings: ArchiveFinding[];
  /** Sum of the declared uncompressed sizes. */
  uncompressedBytes: number;
  /** True when there are no findings: every entry may be extracted or read. */
  safe: boolean;
}

/** What yauzl 3's readLocalFileHeader({minimal: true}) yields. */
interface LocalHeader {
  fileDataStart: number;
}

/** Stored entries at least this big are read in place, in chunks of IN_PLACE_CHUNK. */
const IN_PLACE_MIN = 1 << 20;
const IN_PLACE_CHUNK = 4 << 20;

/** Compression methods yauzl can decode: 0 stored, 8 deflate. */
const SUPPORTED_METHODS = new Set([0, 8]);

/** An open zip file: the inspection, plus streaming access to entries. Close it when done. */
export class ZipArchive {
  private constructor(
    readonly inspection: ArchiveInspection,
    private readonly zip: yauzl.ZipFile,
    private readonly raw: Map<string, yauzl.Entry>,
  ) {}

  /** Open and list an archive. Throws OodError for a missing file or bytes that are not a readable zip. */
  static async open(path: string, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): Promise<ZipArchive> {
    const info = await stat(path).catch((err: unknown) => {
      throw fileError(err, path, 'artifact');
    });
    if (!info.isFile())
      throw new OodError('ARCHIVE_NOT_A_FILE', `not a zip file: ${path}`, {
        hint: 'Pass a .zip artifact or an artifact directory.',
      });
    const zip = await openZip(path);
    try {
      const { inspection, raw } = await listEntries(zip, path, limits);
      return new ZipArchive(inspection, zip, raw);
    } catch (err) {
      zip.close();
      throw err;
    }
  }

  /** The zip file's size in bytes. */
  get size(): number {
    return this.zip.fileSize;
  }

  /** Names of regular files, in archive order. */
  fileNames(): string[] {
    return this.inspection.entries.filter((e) => e.kind === 'file').map((e) => e.name);
  }

  /**
   * Stream one entry's uncompressed bytes. Refuses unsafe archives (unless `allowUnsafe`), entries that are not
   * regular files, and any stream that yields more or fewer bytes than the entry declares.
   */
  async openEntry(name: string): Promise<Readable> {
    const entry = this.raw.get(name);
    const described = this.inspection.entries.find((e) => e.name === name);
    if (!entry || !described || described.kind !== 'file') {
      throw new OodError('ARCHIVE_ENTRY_MISSING', `${this.inspection.path} has no file named ${name}`);
    }
    if (!this.inspection.safe) {
      throw new OodError('ARCHIVE_UNSAFE', `refusing to read ${name}: ${this.inspection.path} is unsafe`, {
        hint: 'Run `ood introspect` on the archive to see why.',
      });
    }
    const stream =
      (await this.openStoredInPlace(name, entry)) ??
      (await new Promise<Readable>((resolve, reject) => {
        this.zip.openReadStream(entry, (err, s) =>
          err ? reject(corrupt(this.inspection.path, err, name)) : resolve(s),
        );
      }));
    const counted = new ByteCountGuard(described.size, entry.crc32, name, this.inspection.path);
    stream.on('error', (err) => counted.destroy(corrupt(this.inspection.path, err, name)));
    counted.on('close', () => stream.destroy());
    // The error stays stored on the stream (consumers see it through pipeline or for-await); this listener
    // only keeps an error raised before the consumer attaches from becoming an uncaught exception.
    counted.on('error', () => {});
    return stream.pipe(counted);
  }

  /**
   * A large entry stored without compression, read straight from the file in 4 MiB reads (yauzl reads in small
   * pieces, which made hashing a 300 MB model in the push gate several times slower than reading the file). The
   * size and CRC-32 are still checked as the bytes flow (ByteCountGuard). Null: let yauzl read it.
   */
  private async openStoredInPlace(name: string, entry: yauzl.Entry): Promise<Readable | null> {
    if (entry.compressionMethod !== 0 || entry.isEncrypted() || entry.uncompressedSize < IN_PLACE_MIN) return null;
    if (entry.compressedSize !== entry.uncompressedSize) return null;
    const start = await this.dataOffset(name);
    if (start + entry.compressedSize > this.zip.fileSize) return null; // yauzl words the corruption
    return createReadStream(this.inspection.path, {
      start,
      end: start + entry.compressedSize - 1,
      highWaterMark: IN_PLACE_CHUNK,
    });
  }

  /**
   * Where an entry's stored bytes start in the file: after its local header, whose name and extra field lengths
   * may differ from the central directory's (APPNOTE 6.3.10 §4.3.7). The bytes run for `compressedSize`.
   */
  async dataOffset(name: string): Promise<number> {
    const entry = this.raw.get(name);
    if (!entry) throw new OodError('ARCHIVE_ENTRY_MISSING', `${this.inspection.path} has no file named ${name}`);
    const zip = this.zip as yauzl.ZipFile & {
      readLocalFileHeader(e: yauzl.Entry, o: { minimal: true }, cb: (err: Error | null, h: LocalHeader) => void): void;
    };
    return new Promise((resolve, reject) =>
      zip.readLocalFileHeader(entry, { minimal: true }, (err, header) =>
        err ? reject(corrupt(this.inspection.path, err, name)) : resolve(header.fileDataStart),
      ),
    );
  }

  /** sha256 (hex) and byte count of one entry, computed while streaming: nothing is written to disk. */
  async digestEntry(name: string): Promise<{ sha256: string; size: number }> {
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of await this.openEntry(name)) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    return { sha256: hash.digest('hex'), size };
  }

  /**
   * The error reading `name` here would raise, for its bytes counted and CRC-checked elsewhere (push hashes the
   * model while it uploads it): undefined when their size and CRC-32 are the central directory's. Judged from
   * the listing alone, so it answers on a closed archive too.
   */
  streamedProblem(name: string, seen: { size: number; crc32: number }): OodError | undefined {
    const entry = this.raw.get(name);
    if (!entry) return new OodError('ARCHIVE_ENTRY_MISSING', `${this.inspection.path} has no file named ${name}`);
    const why = countProblem(seen.size, Number(entry.uncompressedSize), seen.crc32, entry.crc32);
    return why === undefined ? undefined : corrupt(this.inspection.path, new Error(why), name);
  }

  close(): void {
    this.zip.close();
  }
}

/** List an archive without extracting it, and report every safety finding. */
export async function inspectArchive(
  path: string,
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
): Promise<ArchiveInspection> {
  const archive = await ZipArchive.open(path, limits);
  archive.close();
  return archive.inspection;
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(
      path,
      { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true, strictFileNames: true },
      (err, zip) => {
        if (err || !zip) {
          const wrongKind = modelGivenAsArtifact(path);
          if (wrongKind) {
            reject(wrongKind);
            return;
          }
          reject(
            new OodError(
              'ARCHIVE_UNREADABLE',
              `${path} is not a readable zip archive: ${err?.message ?? 'unknown error'}`,
              {
                hint: 'Check that the file is a complete .zip artifact (re-download or re-run `ood prepare`).',
                cause: err,
              },
            ),
          );
          return;
        }
        resolve(zip);
      },
    );
  });
}

function listEntries(zip: yauzl.ZipFile, path: string, limits: ArchiveLimits) {
  return new Promise<{ inspection: ArchiveInspection; raw: Map<string, yauzl.Entry> }>((resolve, reject) => {
    const entries: ArchiveEntry[] = [];
    const findings: ArchiveFinding[] = [];
    const raw = new Map<string, yauzl.Entry>();
    const seen = new Map<string, string>();
    let uncompressedBytes = 0;
    const finish = async () => {
      findings.push(...(await localNameFindings(zip, raw, entries)));
      if (uncompressedBytes > limits.maxUncompressedBytes) {
        findings.push({
          code: 'TOO_LARGE',
          message: `entries expand to ${uncompressedBytes} bytes, over the limit of ${limits.maxUncompressedBytes}`,
        });
      }
      resolve({ inspection: { path, entries, findings, uncompressedBytes, safe: findings.length === 0 }, raw });
    };
    if (zip.entryCount > limits.maxEntries) {
      findings.push({
        code: 'TOO_MANY_ENTRIES',
        message: `the archive declares ${zip.entryCount} entries, over the limit of ${limits.maxEntries}`,
      });
      resolve({ inspection: { path, entries, findings, uncompressedBytes, safe: false }, raw });
      return;
    }
    zip.on('error', (err: Error) => reject(corrupt(path, err)));
    zip.on('end', () => {
      finish().catch((err: unknown) => reject(corrupt(path, err)));
    });
    zip.on('entry', (entry: yauzl.Entry) => {
      try {
        describeEntry(entry);
        zip.readEntry();
      } catch (err) {
        // A throw here would escape through yauzl's callback as an uncaught exception.
        reject(corrupt(path, err));
      }
    });
    const describeEntry = (entry: yauzl.Entry) => {
      const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true);
      const kind = entryKind(name, entry.versionMadeBy, entry.externalFileAttributes);
      const described: ArchiveEntry = {
        name,
        kind,
        size: entry.uncompressedSize,
        compressedSize: entry.compressedSize,
        compressionMethod: entry.compressionMethod,
        encrypted: entry.isEncrypted(),
      };
      findings.push(...entryFindings(described, entry, seen));
      entries.push(described);
      if (!raw.has(name)) raw.set(name, entry);
      uncompressedBytes += entry.uncompressedSize;
    };
    zip.readEntry();
  });
}

/**
 * An entry whose local header names another path than the central directory is read as one file by some tools
 * and as another by others (a scanner/extractor confusion): flag it. Unreadable local headers are left to the
 * readers of the entry, which report them as corrupt.
 */
async function localNameFindings(
  zip: yauzl.ZipFile,
  raw: Map<string, yauzl.Entry>,
  entries: ArchiveEntry[],
): Promise<ArchiveFinding[]> {
  const findings: ArchiveFinding[] = [];
  for (const described of entries) {
    const entry = raw.get(described.name);
    if (!entry) continue;
    const header = await zip.readLocalFileHeaderPromise(entry).catch(() => undefined);
    if (header && !header.fileName.equals(entry.fileNameRaw)) {
      findings.push({
        code: 'NAME_MISMATCH',
        entry: described.name,
        message: `entry ${JSON.stringify(described.name)} is named ${JSON.stringify(header.fileName.toString('latin1'))} in its local header`,
      });
    }
  }
  return findings;
}

function entryFindings(e: ArchiveEntry, entry: yauzl.Entry, seen: Map<string, string>): ArchiveFinding[] {
  const findings = nameFindings(e.name);
  // A name stored in the header that differs from the Unicode Path extra field must be safe too.
  const stored = entry.fileNameRaw.toString((entry.generalPurposeBitFlag & 0x800) !== 0 ? 'utf8' : 'latin1');
  if (stored !== e.name) findings.push(...nameFindings(stored));
  if (e.kind === 'symlink')
    findings.push({ code: 'SYMLINK', entry: e.name, message: `entry ${JSON.stringify(e.name)} is a symbolic link` });
  if (e.kind === 'special')
    findings.push({
      code: 'SPECIAL_FILE',
      entry: e.name,
      message: `entry ${JSON.stringify(e.name)} is a device, socket or FIFO`,
    });
  if (e.encrypted)
    findings.push({ code: 'ENCRYPTED', entry: e.name, message: `entry ${JSON.stringify(e.name)} is encrypted` });
  if (e.kind === 'file' && !SUPPORTED_METHODS.has(e.compressionMethod)) {
    findings.push({
      code: 'UNSUPPORTED_COMPRESSION',
      entry: e.name,
      message: `entry ${JSON.stringify(e.name)} uses compression method ${e.compressionMethod}; only stored (0) and deflate (8) are read`,
    });
  }
  const key = collisionKey(e.name);
  const previous = seen.get(key);
  if (previous !== undefined) {
    findings.push({
      code: 'DUPLICATE_NAME',
      entry: e.name,
      message: `entry ${JSON.stringify(e.name)} collides with ${JSON.stringify(previous)}`,
    });
  } else {
    seen.set(key, e.name);
  }
  return findings;
}

function corrupt(path: string, err: unknown, entry?: string): OodError {
  if (err instanceof OodError) return err;
  const where = entry === undefined ? path : `${entry} in ${path}`;
  return new OodError('ARCHIVE_CORRUPT', `${where} is corrupt: ${(err as Error)?.message ?? String(err)}`, {
    hint: 'The archive is damaged or was tampered with; re-create it with `ood prepare`.',
    cause: err,
  });
}

/** Passes bytes through while counting them and computing their CRC-32; fails on a size or CRC mismatch. */
class ByteCountGuard extends Transform {
  private seen = 0;
  private crc = 0;
  constructor(
    private readonly expected: number,
    private readonly expectedCrc: number,
    private readonly entry: string,
    private readonly path: string,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.expected)
      done(corrupt(this.path, new Error(`it expands beyond its declared ${this.expected} bytes`), this.entry));
    else {
      this.crc = crc32(chunk, this.crc);
      done(null, chunk);
    }
  }
  override _flush(done: TransformCallback): void {
    const why = countProblem(this.seen, this.expected, this.crc, this.expectedCrc);
    done(why === undefined ? undefined : corrupt(this.path, new Error(why), this.entry));
  }
}

/** Why an entry's bytes are not the ones its header declares (size, then CRC-32), or undefined. */
function countProblem(seen: number, expected: number, crc: number, expectedCrc: number): string | undefined {
  if (seen !== expected) return `it holds ${seen} bytes, not the declared ${expected}`;
  if (crc >>> 0 !== expectedCrc >>> 0) return 'its CRC-32 does not match the header';
  return undefined;
}
