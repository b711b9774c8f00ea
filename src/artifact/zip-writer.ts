// A reproducible zip (PKWARE APPNOTE 6.3) written with archiver: entries sorted by name, one fixed timestamp
// (SOURCE_DATE_EPOCH or 1980-01-01, stored in UTC), mode 0644 for every file but the executable ones (0755), no directory entries, no
// comments. Large binaries (the model, its external data) are stored, small text files deflated.
import { createReadStream, createWriteStream, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { ZipArchive } from 'archiver';
import { fileError } from '../errors.js';
import { useNativeCrc32 } from './fast-crc32.js';

/** One file to put in the zip. */
export interface ZipEntry {
  /** Artifact-relative path, forward slashes. */
  path: string;
  /** A source file (streamed) or bytes in memory. */
  source: string | Uint8Array;
  /** Store without compression (weights are high-entropy; storing keeps them cheap to read back). */
  store?: boolean;
  /** Mode 0755 instead of 0644 (start_server.sh; unzip restores it from the entry's external attributes). */
  executable?: boolean;
}

/** The earliest time a zip can record (DOS dates start in 1980). */
export const ZIP_EPOCH = new Date(Date.UTC(1980, 0, 1, 0, 0, 0));

/** The timestamp every entry gets: SOURCE_DATE_EPOCH when given (clamped to 1980), else the zip epoch. */
export function zipTimestamp(createdAt: Date | undefined): Date {
  if (!createdAt || createdAt.getTime() < ZIP_EPOCH.getTime()) return ZIP_EPOCH;
  // DOS time has two-second resolution; round down so that two runs agree.
  return new Date(Math.floor(createdAt.getTime() / 2000) * 2000);
}

/** Files at least this big are streamed in chunks of this size. */
const BIG_FILE = 1 << 20;

/** Write `entries` (sorted here) as a zip at `outPath` (a temporary path; the caller renames it). */
export async function writeZip(outPath: string, entries: readonly ZipEntry[], timestamp: Date): Promise<void> {
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const stats = new Map<string, Stats>();
  for (const entry of sorted) {
    if (typeof entry.source !== 'string') continue;
    const path = entry.source;
    stats.set(path, await stat(path).catch((err) => Promise.reject(fileError(err, path))));
  }
  useNativeCrc32();
  const archive = new ZipArchive({ zlib: { level: 9 }, statConcurrency: 1 });
  const done = pipeline(archive, createWriteStream(outPath, { mode: 0o644 }));
  for (const entry of sorted) {
    const data = {
      name: entry.path,
      date: timestamp,
      mode: entry.executable ? 0o755 : 0o644,
      store: entry.store === true,
    };
    if (typeof entry.source === 'string' && stats.get(entry.source)!.size >= BIG_FILE) {
      // Big files (the model, external data: few) as 1 MiB-chunk streams: archiver's own file streams read 64 KiB
      // at a time, and the per-chunk cost of its stream chain made a 300 MB entry take about twice as long (same bytes).
      archive.append(createReadStream(entry.source, { highWaterMark: BIG_FILE }), data);
    } else if (typeof entry.source === 'string') {
      // Passing stats keeps archiver's order (no parallel stat queue) and opens each file only when its turn comes.
      archive.file(entry.source, { ...data, stats: stats.get(entry.source)! });
    } else {
      archive.append(Buffer.from(entry.source.buffer, entry.source.byteOffset, entry.source.byteLength), data);
    }
  }
  await Promise.all([archive.finalize(), done]);
}
