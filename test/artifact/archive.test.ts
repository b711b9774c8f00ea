import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { ZipArchive, inspectArchive } from '../../src/artifact/archive.js';
import { OodError } from '../../src/errors.js';
// @ts-expect-error: plain JS fixture writer
import { rawZip } from '../fixtures/broken/raw-zip.mjs';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ood-archive-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function zipOf(name: string, entries: unknown[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, rawZip(entries));
  return path;
}

async function findingCodes(
  entries: unknown[],
  limits?: { maxEntries: number; maxUncompressedBytes: number },
): Promise<string[]> {
  const path = await zipOf(`z-${Math.random().toString(36).slice(2)}.zip`, entries);
  const inspection = await inspectArchive(path, limits);
  return inspection.findings.map((f) => f.code).sort();
}

describe('inspectArchive', () => {
  it('lists a clean archive with names, kinds and sizes, and calls it safe', async () => {
    const path = await zipOf('clean.zip', [
      { name: 'model.onnx', data: 'abc' },
      { name: 'sub/', data: '', method: 0 },
      { name: 'sub/x.txt', data: 'hello', method: 0 },
    ]);
    const inspection = await inspectArchive(path);
    expect(inspection.safe).toBe(true);
    expect(inspection.findings).toEqual([]);
    expect(inspection.entries.map((e) => [e.name, e.kind, e.size])).toEqual([
      ['model.onnx', 'file', 3],
      ['sub/', 'directory', 0],
      ['sub/x.txt', 'file', 5],
    ]);
    expect(inspection.uncompressedBytes).toBe(8);
  });

  it('flags entries that climb out with ".."', async () => {
    expect(await findingCodes([{ name: '../evil.txt', data: 'x' }])).toEqual(['PATH_TRAVERSAL']);
    expect(await findingCodes([{ name: 'a/../../evil.txt', data: 'x' }])).toEqual(['PATH_TRAVERSAL']);
  });

  it('flags absolute paths, unix and Windows style', async () => {
    expect(await findingCodes([{ name: '/etc/passwd', data: 'x' }])).toEqual(['ABSOLUTE_PATH']);
    expect(await findingCodes([{ name: 'C:/Windows/evil.dll', data: 'x' }])).toEqual(['ABSOLUTE_PATH']);
  });

  it('flags backslash names, and sees the traversal hidden behind them', async () => {
    expect(await findingCodes([{ name: 'a\\..\\..\\evil.txt', data: 'x' }])).toEqual([
      'BACKSLASH_PATH',
      'PATH_TRAVERSAL',
    ]);
  });

  it('flags a traversal hidden in a name that is not marked UTF-8', async () => {
    expect(await findingCodes([{ name: Buffer.from('../x'), data: 'x', flags: 0 }])).toEqual(['PATH_TRAVERSAL']);
  });

  it('flags an entry whose local header names a different path than the central directory', async () => {
    expect(await findingCodes([{ name: 'model.onnx', localName: '../model.onnx', data: 'x' }])).toEqual([
      'NAME_MISMATCH',
    ]);
  });

  it('flags control characters and empty names', async () => {
    expect(await findingCodes([{ name: 'a\u0000b', data: 'x' }])).toEqual(['BAD_NAME']);
    expect(await findingCodes([{ name: '', data: 'x' }])).toEqual(['BAD_NAME']);
  });

  it('flags symlinks and device files from the unix mode', async () => {
    expect(await findingCodes([{ name: 'link', data: '/etc/passwd', unixMode: 0o120777 }])).toEqual(['SYMLINK']);
    expect(await findingCodes([{ name: 'fifo', data: '', unixMode: 0o010644 }])).toEqual(['SPECIAL_FILE']);
    expect(await findingCodes([{ name: 'plain', data: 'x', unixMode: 0o100644 }])).toEqual([]);
  });

  it('flags duplicate names, including names that differ only in case', async () => {
    expect(
      await findingCodes([
        { name: 'a.txt', data: '1' },
        { name: 'a.txt', data: '2' },
      ]),
    ).toEqual(['DUPLICATE_NAME']);
    expect(
      await findingCodes([
        { name: 'Model.onnx', data: '1' },
        { name: 'model.onnx', data: '2' },
      ]),
    ).toEqual(['DUPLICATE_NAME']);
    expect(
      await findingCodes([
        { name: 'd/x', data: '1' },
        { name: 'd//x', data: '2' },
      ]),
    ).toEqual(['DUPLICATE_NAME']);
  });

  it('flags encrypted entries and compression methods it cannot read', async () => {
    expect(await findingCodes([{ name: 'secret', data: 'x', flags: 0x801 }])).toEqual(['ENCRYPTED']);
    expect(await findingCodes([{ name: 'bz', data: 'x', method: 12 }])).toEqual(['UNSUPPORTED_COMPRESSION']);
  });

  it('flags more entries, or more uncompressed bytes, than the limits allow', async () => {
    const many = Array.from({ length: 4 }, (_, i) => ({ name: `f${i}`, data: 'x' }));
    expect(await findingCodes(many, { maxEntries: 3, maxUncompressedBytes: 1e9 })).toEqual(['TOO_MANY_ENTRIES']);
    const bomb = [{ name: 'zeros', data: Buffer.alloc(1 << 20) }];
    expect(await findingCodes(bomb, { maxEntries: 10, maxUncompressedBytes: 1 << 19 })).toEqual(['TOO_LARGE']);
  });

  it('rejects a file that is not a zip with a clean ARCHIVE_UNREADABLE error', async () => {
    const path = join(dir, 'not.zip');
    await writeFile(path, 'this is not a zip file at all');
    await expect(inspectArchive(path)).rejects.toMatchObject({ code: 'ARCHIVE_UNREADABLE', kind: 'input' });
  });

  it('reports a missing file as FILE_NOT_FOUND', async () => {
    await expect(inspectArchive(join(dir, 'nope.zip'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});

describe('ZipArchive entry streaming', () => {
  it('hashes an entry in place, matching the sha256 of its content', async () => {
    const content = Buffer.from('x'.repeat(100_000));
    const path = await zipOf('hash.zip', [{ name: 'big.bin', data: content }]);
    const archive = await ZipArchive.open(path);
    try {
      const digest = await archive.digestEntry('big.bin');
      expect(digest).toEqual({ sha256: createHash('sha256').update(content).digest('hex'), size: content.length });
    } finally {
      archive.close();
    }
  });

  it('fails the stream when a deflated entry expands beyond its declared size (lying header)', async () => {
    const path = await zipOf('lie-big.zip', [{ name: 'bomb', data: Buffer.alloc(50_000), declaredSize: 100 }]);
    const archive = await ZipArchive.open(path);
    try {
      await expect(archive.digestEntry('bomb')).rejects.toBeInstanceOf(OodError);
      await expect(archive.digestEntry('bomb')).rejects.toMatchObject({ code: 'ARCHIVE_CORRUPT' });
    } finally {
      archive.close();
    }
  });

  it('fails the stream when an entry holds fewer bytes than declared', async () => {
    const path = await zipOf('lie-small.zip', [{ name: 'short', data: Buffer.alloc(100), declaredSize: 5000 }]);
    const archive = await ZipArchive.open(path);
    try {
      await expect(archive.digestEntry('short')).rejects.toMatchObject({ code: 'ARCHIVE_CORRUPT' });
    } finally {
      archive.close();
    }
  });

  it('fails the stream when stored bytes were altered but the sizes still agree (CRC-32 mismatch)', async () => {
    const bytes = rawZip([{ name: 'data.txt', data: 'hello world', method: 0 }]) as Buffer;
    bytes[30 + 'data.txt'.length] = 'j'.charCodeAt(0);
    const path = join(dir, 'crc.zip');
    await writeFile(path, bytes);
    const archive = await ZipArchive.open(path);
    try {
      await expect(archive.digestEntry('data.txt')).rejects.toMatchObject({ code: 'ARCHIVE_CORRUPT' });
    } finally {
      archive.close();
    }
  });

  it('refuses to stream from an unsafe archive', async () => {
    const path = await zipOf('unsafe-read.zip', [
      { name: 'ok', data: 'x' },
      { name: '../evil', data: 'y' },
    ]);
    const archive = await ZipArchive.open(path);
    try {
      await expect(archive.digestEntry('ok')).rejects.toMatchObject({ code: 'ARCHIVE_UNSAFE' });
    } finally {
      archive.close();
    }
  });
});
