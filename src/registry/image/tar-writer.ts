// A reproducible tar stream (POSIX.1-2001 pax interchange format over ustar, IEEE Std 1003.1-2017 "pax",
// section "ustar Interchange Format" and "pax Header Block"). Reproducible as KitOps' and ko's layers are:
// entries sorted by path, every parent directory present before its children, one fixed mtime, uid/gid 0, no
// user or group names, modes normalised. Paths or sizes that ustar cannot hold get a pax extended header.
import { Readable } from 'node:stream';

/** One entry. Paths are relative, with forward slashes and no "." or ".." components. */
export type TarEntry =
  | { type: 'file'; path: string; size: number; open: () => Readable; mode?: number }
  | { type: 'directory'; path: string; mode?: number }
  | { type: 'symlink'; path: string; target: string };

/** Settings shared by every entry. */
export interface TarOptions {
  /** Modification time of every entry, seconds since the epoch (SOURCE_DATE_EPOCH); default 0. */
  mtime?: number;
}

const BLOCK = 512;
const OCTAL_LIMIT_SIZE = 8 ** 11; // 11 octal digits in the 12-byte size field

function checkPath(path: string): string {
  const parts = path.split('/');
  if (
    path === '' ||
    path.startsWith('/') ||
    parts.some((p) => p === '' || p === '.' || p === '..') ||
    path.includes('\0')
  )
    throw new Error(`tar: not a clean relative path: ${JSON.stringify(path)}`);
  return path;
}

/** Sorted entries with the missing parent directories added (mode 0755). */
export function normalizeEntries(entries: readonly TarEntry[]): TarEntry[] {
  const byPath = new Map<string, TarEntry>();
  for (const e of entries) {
    checkPath(e.path);
    if (byPath.has(e.path)) throw new Error(`tar: duplicate entry ${e.path}`);
    byPath.set(e.path, e);
  }
  for (const e of entries) {
    const parts = e.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      const existing = byPath.get(dir);
      if (!existing) byPath.set(dir, { type: 'directory', path: dir });
      else if (existing.type !== 'directory') throw new Error(`tar: ${dir} is both a ${existing.type} and a directory`);
    }
  }
  // Byte order of the UTF-8 paths, so the order does not depend on the locale.
  return [...byPath.values()].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** A pax record "LEN key=value\n", where LEN counts the whole record, itself included. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyBytes = Buffer.byteLength(body);
  let length = bodyBytes + 1;
  while (String(length).length + bodyBytes !== length) length = String(length).length + bodyBytes;
  return `${length}${body}`;
}

/** Split a path into ustar's prefix (155 bytes) and name (100 bytes), or undefined when it cannot be. */
function splitUstarPath(path: string): { prefix: string; name: string } | undefined {
  if (!/^[\x20-\x7e]*$/.test(path)) return undefined;
  if (path.length <= 100) return { prefix: '', name: path };
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (prefix.length <= 155 && name.length <= 100 && name.length > 0) return { prefix, name };
  }
  return undefined;
}

interface HeaderFields {
  name: string;
  prefix: string;
  mode: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname: string;
}

function headerBlock(f: HeaderFields): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(f.name, 0, 100, 'utf8');
  block.write(octal(f.mode, 8), 100, 8, 'ascii');
  block.write(octal(0, 8), 108, 8, 'ascii'); // uid
  block.write(octal(0, 8), 116, 8, 'ascii'); // gid
  block.write(octal(f.size, 12), 124, 12, 'ascii');
  block.write(octal(f.mtime, 12), 136, 12, 'ascii');
  block.write('        ', 148, 8, 'ascii'); // checksum counts as spaces while it is computed
  block.write(f.typeflag, 156, 1, 'ascii');
  block.write(f.linkname, 157, 100, 'utf8');
  block.write('ustar\0', 257, 6, 'ascii');
  block.write('00', 263, 2, 'ascii');
  block.write(octal(0, 8), 329, 8, 'ascii'); // devmajor
  block.write(octal(0, 8), 337, 8, 'ascii'); // devminor
  block.write(f.prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return block;
}

const padding = (size: number): Buffer => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);

/** The header blocks of one entry: a pax header first when ustar cannot say it. */
function entryHeaders(e: TarEntry, mtime: number): Buffer[] {
  const fullPath = e.type === 'directory' ? `${e.path}/` : e.path;
  const size = e.type === 'file' ? e.size : 0;
  const linkname = e.type === 'symlink' ? e.target : '';
  const split = splitUstarPath(fullPath);
  const records: string[] = [];
  if (!split) records.push(paxRecord('path', fullPath));
  if (size >= OCTAL_LIMIT_SIZE) records.push(paxRecord('size', String(size)));
  if (linkname && (Buffer.byteLength(linkname) > 100 || !/^[\x20-\x7e]*$/.test(linkname)))
    records.push(paxRecord('linkpath', linkname));
  const mode = e.type === 'symlink' ? 0o777 : (e.mode ?? (e.type === 'directory' ? 0o755 : 0o644)) & 0o7777;
  const headers: Buffer[] = [];
  if (records.length > 0) {
    const body = Buffer.from(records.join(''), 'utf8');
    const paxName = `PaxHeaders/${(split?.name ?? fullPath).replace(/[^\x20-\x7e]/g, '_').slice(-80)}`;
    headers.push(
      headerBlock({ name: paxName, prefix: '', mode: 0o644, size: body.length, mtime, typeflag: 'x', linkname: '' }),
      body,
      padding(body.length),
    );
  }
  const ascii = (s: string) => (/^[\x20-\x7e]*$/.test(s) ? s : '');
  headers.push(
    headerBlock({
      name: split ? split.name : ascii(fullPath).slice(0, 100),
      prefix: split ? split.prefix : '',
      mode,
      size: size >= OCTAL_LIMIT_SIZE ? 0 : size,
      mtime,
      typeflag: e.type === 'file' ? '0' : e.type === 'directory' ? '5' : '2',
      linkname: Buffer.byteLength(linkname) <= 100 ? ascii(linkname) : '',
    }),
  );
  return headers;
}

async function* tarChunks(sorted: readonly TarEntry[], options: TarOptions): AsyncGenerator<Buffer> {
  const mtime = Math.max(0, Math.floor(options.mtime ?? 0));
  for (const e of sorted) {
    yield* entryHeaders(e, mtime);
    if (e.type !== 'file') continue;
    let seen = 0;
    for await (const chunk of e.open()) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      seen += buf.length;
      if (seen > e.size) throw new Error(`tar: ${e.path} is larger than its declared ${e.size} bytes`);
      yield buf;
    }
    if (seen !== e.size) throw new Error(`tar: ${e.path} has ${seen} bytes, not its declared ${e.size}`);
    yield padding(e.size);
  }
  yield Buffer.alloc(2 * BLOCK); // end of archive: two zero blocks
}

/**
 * The tar archive of `entries` as a stream. The same entries and options always give the same bytes. Bad paths
 * throw here, before any byte is produced.
 */
export function createTarStream(entries: readonly TarEntry[], options: TarOptions = {}): Readable {
  return Readable.from(tarChunks(normalizeEntries(entries), options), { objectMode: false });
}
