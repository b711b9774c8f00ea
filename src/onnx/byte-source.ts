// Random access to a model's bytes without loading it: a 1 GB model is scanned by reading only the field
// headers and the small messages we decode; initializer payloads are skipped, never read.
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { readFieldHeader, truncated, type FieldRange } from './wire.js';

export interface ByteSource {
  readonly size: number;
  /** Bytes [pos, pos+len); throws a truncation error if they are not all there. May be reused by the next read. */
  read(pos: number, len: number): Uint8Array;
  /** Like read, but the caller may keep the bytes (e.g. queue them on a write stream). */
  readOwned(pos: number, len: number): Uint8Array;
  close(): void;
}

/** A source held in memory (tests, small models, freshly built graphs). */
export class BufferSource implements ByteSource {
  constructor(private readonly buf: Uint8Array) {}
  get size(): number {
    return this.buf.length;
  }
  read(pos: number, len: number): Uint8Array {
    if (pos + len > this.buf.length) throw truncated(`needs byte ${pos + len} of ${this.buf.length}`);
    return this.buf.subarray(pos, pos + len);
  }
  readOwned(pos: number, len: number): Uint8Array {
    return this.read(pos, len);
  }
  close(): void {}
}

const WINDOW = 64 * 1024;

/**
 * A file read on demand through a small window cache, so sequential header scans cost few syscalls. `range`
 * makes bytes [start, start + length) of the file the whole source: a model stored uncompressed inside a zip is
 * read in place, without extracting it.
 */
export class FileSource implements ByteSource {
  readonly size: number;
  private readonly fd: number;
  private readonly offset: number;
  private window: Buffer = Buffer.alloc(0);
  private windowStart = 0;

  constructor(
    readonly path: string,
    range?: { start: number; length: number },
  ) {
    this.fd = openSync(path, 'r');
    const info = fstatSync(this.fd);
    if (info.isDirectory()) {
      // Linux opens a directory for reading; the first read would fail with EISDIR far from here.
      closeSync(this.fd);
      throw Object.assign(new Error(`EISDIR: ${path} is a directory`), { code: 'EISDIR' });
    }
    this.offset = range?.start ?? 0;
    this.size = range ? Math.max(0, Math.min(range.length, info.size - this.offset)) : info.size;
  }

  read(pos: number, len: number): Uint8Array {
    if (pos + len > this.size) throw truncated(`needs byte ${pos + len} of ${this.size}`);
    if (pos >= this.windowStart && pos + len <= this.windowStart + this.window.length) {
      return this.window.subarray(pos - this.windowStart, pos - this.windowStart + len);
    }
    if (len > WINDOW) return this.readExact(pos, len);
    this.window = this.readExact(pos, Math.min(WINDOW, this.size - pos));
    this.windowStart = pos;
    return this.window.subarray(0, len);
  }

  readOwned(pos: number, len: number): Uint8Array {
    if (pos + len > this.size) throw truncated(`needs byte ${pos + len} of ${this.size}`);
    return this.readExact(pos, len);
  }

  private readExact(pos: number, len: number): Buffer {
    const out = Buffer.allocUnsafe(len);
    let done = 0;
    while (done < len) {
      const n = readSync(this.fd, out, done, len - done, this.offset + pos + done);
      if (n === 0) throw truncated(`file ended at byte ${pos + done}`);
      done += n;
    }
    return out;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Parse the field header at `pos` from a source, reading at most a few bytes. */
export function headerAt(source: ByteSource, pos: number, limit: number): FieldRange {
  const chunk = source.read(pos, Math.min(24, limit - pos));
  const f = readFieldHeader(chunk, 0, chunk.length);
  return { ...f, start: pos + f.start, valueStart: pos + f.valueStart, end: pos + f.end };
}

/** Scan the fields of the message occupying [start, end) of a source. */
export function scanSourceFields(source: ByteSource, start: number, end: number): FieldRange[] {
  const fields: FieldRange[] = [];
  let pos = start;
  while (pos < end) {
    const f = headerAt(source, pos, end);
    if (f.end > end) throw truncated(`field ${f.field} at byte ${f.start} runs past byte ${end}`);
    fields.push(f);
    pos = f.end;
  }
  return fields;
}
