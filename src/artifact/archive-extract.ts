// Extracting a zip artifact where nothing can escape: the whole archive is judged first (archive.ts) and refused
// if any entry is unsafe; files are then created with O_EXCL|O_NOFOLLOW under a private 0700 directory.
import { constants } from 'node:fs';
import { mkdir, open, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { OodError, fileError } from '../errors.js';
import { DEFAULT_ARCHIVE_LIMITS, ZipArchive, type ArchiveInspection, type ArchiveLimits } from './archive.js';

export interface ExtractOptions {
  limits?: ArchiveLimits;
}

/** Refuse an unsafe archive with one error that lists every finding. */
export function assertArchiveSafe(inspection: ArchiveInspection): void {
  if (inspection.safe) return;
  const lines = inspection.findings.map((f) => `  - ${f.code}: ${f.message}`).sort();
  throw new OodError('ARCHIVE_UNSAFE', `refusing to extract ${inspection.path}:\n${lines.join('\n')}`, {
    hint: 'Do not deploy this archive; re-create it with `ood prepare` from a trusted model.',
    details: { findings: inspection.findings },
  });
}

/**
 * Extract every entry of `zipPath` into the existing directory `destDir`. Nothing is written when the archive is
 * unsafe; no path outside `destDir` is ever opened for writing, and existing files are never replaced.
 * Returns the extracted file names.
 */
export async function extractArchive(
  zipPath: string,
  destDir: string,
  options: ExtractOptions = {},
): Promise<string[]> {
  const archive = await ZipArchive.open(zipPath, options.limits ?? DEFAULT_ARCHIVE_LIMITS);
  try {
    assertArchiveSafe(archive.inspection);
    const root = await realpath(destDir).catch((err: unknown) => {
      throw fileError(err, destDir, 'directory');
    });
    const written: string[] = [];
    for (const entry of archive.inspection.entries) {
      const target = containedPath(root, entry.name);
      if (entry.kind === 'directory') {
        await mkdir(target, { recursive: true, mode: 0o700 });
        continue;
      }
      await mkdir(dirname(target), { recursive: true, mode: 0o700 });
      const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
      const handle = await open(target, flags, 0o600).catch((err: unknown) => {
        throw fileError(err, target, 'extracted file');
      });
      const sink = handle.createWriteStream();
      const source = await archive.openEntry(entry.name).catch((err: unknown) => {
        sink.destroy();
        throw err;
      });
      await pipeline(source, sink);
      written.push(entry.name);
    }
    return written;
  } finally {
    archive.close();
  }
}

function containedPath(root: string, name: string): string {
  const target = resolve(root, name);
  const rel = relative(root, target);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) {
    if (rel === '' && name.replace(/\/+$/, '') === '.') return root;
    throw new OodError('ARCHIVE_UNSAFE', `entry ${JSON.stringify(name)} would be written outside ${root}`);
  }
  return target;
}
