// A zip artifact read in place (artifact-view.ts): listing and digests from the archive itself; only files that
// must be opened by path are streamed into a private 0700 temporary directory, hashed on the way.
import { constants } from 'node:fs';
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { OodError, fileError } from '../errors.js';
import type { ArchiveEntry, ArchiveInspection, ZipArchive } from './archive.js';
import { assertArchiveSafe } from './archive-extract.js';
import { handled, tooBig, type ArtifactView } from './artifact-view.js';
import { digestingTap, type Digest } from './file-digest.js';
import { sweepStale, tempDirPrefix } from '../io/temp-names.js';

/** One zip, open for the lifetime of the view. */
export class ZipView implements ArtifactView {
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
  assumeDigest(name: string, digest: Promise<Digest>): void {
    if (this.digests.has(name)) throw new Error(`the digest of ${name} was already asked for`);
    this.digests.set(name, handled(digest));
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
    const root = this.tempRoot ?? tmpdir();
    this.temp ??= handled(sweepStale(root, 'tempdir').then(() => mkdtemp(tempDirPrefix(root, 'artifact'))));
    return this.temp;
  }
  private contained(root: string, name: string): string {
    const target = resolve(root, name);
    if (!target.startsWith(root + sep))
      throw new OodError('ARCHIVE_UNSAFE', `entry ${name} would leave the temporary directory`);
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
