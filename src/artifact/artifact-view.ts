// The file layer of an artifact given as a .zip or a directory: listing, bounded reads, digests and paths on disk,
// so that everything above (open.ts, the checks) is written once. A zip is read in place; only files that must be
// opened by path (the model and its external data for onnxruntime, every file for score.mjs) are streamed into a
// private 0700 temporary directory, hashed on the way so they are read once.
import { constants } from 'node:fs';
import { lstat, mkdtemp, open, readdir, rm, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { OodError, fileError } from '../errors.js';
import {
  DEFAULT_ARCHIVE_LIMITS,
  ZipArchive,
  type ArchiveEntry,
  type ArchiveInspection,
  type ArchiveLimits,
} from './archive.js';
import { collisionKey, type ArchiveFinding } from './archive-names.js';
import { digestingTap, type Digest } from './file-digest.js';
import { assertArchiveSafe } from './archive-extract.js';

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
  /** A path on disk holding the file's bytes. */
  localPath(name: string): Promise<string>;
  /**
   * A directory on disk holding every file at its artifact path (what score.mjs's load(dir) is given): the
   * directory itself, or for a zip a private temporary one. Throws ARCHIVE_UNSAFE for an unsafe zip.
   */
  directory(): Promise<string>;
  close(): Promise<void>;
}

/** Open a zip or a directory. Throws OodError (kind input) when the path cannot be read as either. */
export async function openArtifactView(path: string, options: ViewOptions = {}): Promise<ArtifactView> {
  // The path the user typed may be a link (e.g. `latest -> v3/`); links inside the artifact are findings.
  const info = await stat(path).catch((err: unknown) => {
    throw fileError(err, path, 'artifact');
  });
  if (info.isDirectory()) return DirectoryView.open(resolve(path), options.limits ?? DEFAULT_ARCHIVE_LIMITS);
  if (info.isFile()) return new ZipView(await ZipArchive.open(path, options.limits), path, options.tempRoot);
  throw new OodError('ARTIFACT_UNREADABLE', `${path} is neither a zip file nor a directory`, {
    hint: 'Pass the .zip written by `ood prepare -o`, or the directory written by `ood prepare --dir`.',
  });
}

/** Mark a cached promise as handled, so a failure nobody asks about is not an unhandled rejection. */
function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}

const tooBig = (name: string, max: number) =>
  new OodError('ARTIFACT_FILE_TOO_LARGE', `${name} is larger than ${max} bytes`, {
    hint: 'This file should be small; check how it was made.',
  });

class ZipView implements ArtifactView {
  readonly source = 'zip';
  readonly files: readonly string[];
  private readonly digests = new Map<string, Promise<Digest>>();
  private readonly local = new Map<string, Promise<string>>();
  private temp: Promise<string> | undefined;

  constructor(
    readonly archive: ZipArchive,
    readonly path: string,
    private readonly tempRoot: string | undefined,
  ) {
    this.files = [...new Set(archive.fileNames())].sort();
    this.fileSet = new Set(this.files);
  }
  private readonly fileSet: Set<string>;
  get inspection(): ArchiveInspection {
    return this.archive.inspection;
  }
  has(name: string): boolean {
    return this.fileSet.has(name);
  }
  private entry(name: string): ArchiveEntry | undefined {
    return this.inspection.entries.find((e) => e.name === name && e.kind === 'file');
  }
  async read(name: string, maxBytes: number): Promise<Buffer> {
    if ((this.entry(name)?.size ?? 0) > maxBytes) throw tooBig(name, maxBytes);
    const chunks: Buffer[] = [];
    for await (const chunk of await this.archive.openEntry(name)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
  digest(name: string): Promise<Digest> {
    let digest = this.digests.get(name);
    if (!digest) {
      digest = handled(this.archive.digestEntry(name));
      this.digests.set(name, digest);
    }
    return digest;
  }
  localPath(name: string): Promise<string> {
    let path = this.local.get(name);
    if (!path) {
      const extracting = this.extract(name);
      path = handled(extracting.then((r) => r.path));
      this.local.set(name, path);
      if (!this.digests.has(name)) this.digests.set(name, handled(extracting.then((r) => r.digest)));
    }
    return path;
  }
  async directory(): Promise<string> {
    assertArchiveSafe(this.inspection);
    const root = await this.tempDir();
    for (const entry of this.inspection.entries) {
      if (entry.kind === 'directory') await mkdir(this.contained(root, entry.name), { recursive: true, mode: 0o700 });
      else await this.localPath(entry.name);
    }
    return root;
  }
  private tempDir(): Promise<string> {
    this.temp ??= handled(mkdtemp(join(this.tempRoot ?? tmpdir(), 'ood-artifact-')));
    return this.temp;
  }
  private contained(root: string, name: string): string {
    const target = resolve(root, name);
    if (!target.startsWith(root + sep))
      throw new OodError('ARCHIVE_UNSAFE', `entry ${name} would leave the temporary directory`, { kind: 'check' });
    return target;
  }
  private async extract(name: string): Promise<{ path: string; digest: Digest }> {
    const root = await this.tempDir();
    const target = this.contained(root, name);
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    const { tap, digest } = digestingTap();
    const handle = await open(
      target,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o600,
    ).catch((err: unknown) => {
      throw fileError(err, target, 'temporary file');
    });
    const sink = handle.createWriteStream();
    let source;
    try {
      source = await this.archive.openEntry(name);
    } catch (err) {
      sink.destroy();
      throw err;
    }
    await pipeline(source, tap, sink);
    return { path: target, digest: digest() };
  }
  async close(): Promise<void> {
    this.archive.close();
    if (this.temp) await rm(await this.temp.catch(() => ''), { recursive: true, force: true }).catch(() => {});
  }
}

class DirectoryView implements ArtifactView {
  readonly source = 'directory';
  private readonly digests = new Map<string, Promise<Digest>>();
  private constructor(
    readonly path: string,
    readonly inspection: ArchiveInspection,
    readonly files: readonly string[],
  ) {
    this.fileSet = new Set(files);
  }
  private readonly fileSet: Set<string>;

  /** Walk the directory without following links; links and special files become findings, as in a zip. */
  static async open(root: string, limits: ArchiveLimits): Promise<DirectoryView> {
    const entries: ArchiveEntry[] = [];
    const findings: ArchiveFinding[] = [];
    const seen = new Map<string, string>();
    let bytes = 0;
    const walk = async (dir: string): Promise<void> => {
      const names = (
        await readdir(dir).catch((err: unknown) => {
          throw fileError(err, dir, 'directory');
        })
      ).sort();
      for (const n of names) {
        if (entries.length > limits.maxEntries) return;
        const abs = join(dir, n);
        const rel = relative(root, abs).split(sep).join('/');
        const st = await lstat(abs);
        const kind = st.isSymbolicLink()
          ? 'symlink'
          : st.isDirectory()
            ? 'directory'
            : st.isFile()
              ? 'file'
              : 'special';
        entries.push({
          name: kind === 'directory' ? `${rel}/` : rel,
          kind,
          size: st.isFile() ? st.size : 0,
          compressedSize: 0,
          compressionMethod: 0,
          encrypted: false,
        });
        if (kind === 'symlink') findings.push({ code: 'SYMLINK', entry: rel, message: `${rel} is a symbolic link` });
        if (kind === 'special')
          findings.push({ code: 'SPECIAL_FILE', entry: rel, message: `${rel} is a device, socket or FIFO` });
        const key = collisionKey(rel);
        if (seen.has(key))
          findings.push({
            code: 'DUPLICATE_NAME',
            entry: rel,
            message: `${rel} collides with ${seen.get(key)} on case-insensitive filesystems`,
          });
        else seen.set(key, rel);
        if (st.isFile()) bytes += st.size;
        if (kind === 'directory') await walk(abs);
      }
    };
    await walk(root);
    if (entries.length > limits.maxEntries)
      findings.push({
        code: 'TOO_MANY_ENTRIES',
        message: `the directory holds more than ${limits.maxEntries} entries`,
      });
    if (bytes > limits.maxUncompressedBytes)
      findings.push({
        code: 'TOO_LARGE',
        message: `the directory holds ${bytes} bytes, over the limit of ${limits.maxUncompressedBytes}`,
      });
    const files = entries
      .filter((e) => e.kind === 'file')
      .map((e) => e.name)
      .sort();
    return new DirectoryView(
      root,
      { path: root, entries, findings, uncompressedBytes: bytes, safe: findings.length === 0 },
      files,
    );
  }
  has(name: string): boolean {
    return this.fileSet.has(name);
  }
  private abs(name: string): string {
    if (!this.has(name)) throw new OodError('ARTIFACT_FILE_MISSING', `${name} is not a regular file in ${this.path}`);
    return join(this.path, name);
  }
  async read(name: string, maxBytes: number): Promise<Buffer> {
    const handle = await open(this.abs(name), constants.O_RDONLY | constants.O_NOFOLLOW).catch((err: unknown) => {
      throw fileError(err, name);
    });
    try {
      if ((await handle.stat()).size > maxBytes) throw tooBig(name, maxBytes);
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  }
  digest(name: string): Promise<Digest> {
    let digest = this.digests.get(name);
    if (!digest) {
      digest = (async () => {
        const hash = createHash('sha256');
        let size = 0;
        const handle = await open(this.abs(name), constants.O_RDONLY | constants.O_NOFOLLOW);
        for await (const chunk of handle.createReadStream({ highWaterMark: 1 << 20 })) {
          hash.update(chunk as Buffer);
          size += (chunk as Buffer).length;
        }
        return { sha256: hash.digest('hex'), size };
      })();
      this.digests.set(name, handled(digest));
    }
    return digest;
  }
  async localPath(name: string): Promise<string> {
    return this.abs(name);
  }
  async directory(): Promise<string> {
    return this.path;
  }
  async close(): Promise<void> {}
}
