// Read a zip with yauzl, a different library from the writer (archiver), so tests check what any unzip sees.
import yauzl from 'yauzl';

export interface ReadEntry {
  name: string;
  data: Buffer;
  /** Unix mode from the external attributes (high 16 bits). */
  mode: number;
  /** Raw DOS date and time fields, to compare timestamps exactly. */
  dosDate: number;
  dosTime: number;
  compressionMethod: number;
}

/** Every entry of a zip, in archive order, with its uncompressed bytes (yauzl checks CRC-32 and sizes). */
export function readZip(path: string): Promise<ReadEntry[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const entries: ReadEntry[] = [];
      zip.on('error', reject);
      zip.on('end', () => resolve(entries));
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('error', reject);
          stream.on('end', () => {
            entries.push({
              name: entry.fileName,
              data: Buffer.concat(chunks),
              mode: (entry.externalFileAttributes >>> 16) & 0o7777,
              dosDate: entry.lastModFileDate,
              dosTime: entry.lastModFileTime,
              compressionMethod: entry.compressionMethod,
            });
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

/** The entries as a name → bytes map. */
export async function readZipFiles(path: string): Promise<Map<string, Buffer>> {
  return new Map((await readZip(path)).map((e) => [e.name, e.data]));
}
