// An artifact directory (artifact-view.ts), walked without following links: links and special files become
// findings, exactly as they would in a zip, and reads never follow a link.
import { constants } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join, relative, sep } from 'node:path';
import { OodError, fileError } from '../errors.js';
import type { ArchiveEntry, ArchiveInspection, ArchiveLimits } from './archive.js';
import { collisionKey, type ArchiveFinding } from './archive-names.js';
import { handled, tooBig, type ArtifactView } from './artifact-view.js';
import type { Digest } from './file-digest.js';

/** One directory, listed once when opened. */
export class DirectoryView implements ArtifactView {
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
