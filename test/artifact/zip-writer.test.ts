import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ZipArchive } from 'archiver';
import { afterAll, describe, expect, it } from 'vitest';
import { writeZip } from '../../src/artifact/zip-writer.js';

const dir = await mkdtemp(join(tmpdir(), 'ood-zip-writer-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('writeZip', () => {
  it('writes a big file (streamed in 1 MiB chunks) with the same bytes as archiver reading the file itself', async () => {
    const big = join(dir, 'weights.bin');
    await writeFile(big, randomBytes(3 * 1024 * 1024 + 17));
    const small = join(dir, 'notes.txt');
    await writeFile(small, 'small text file\n'.repeat(50));
    const date = new Date(Date.UTC(2024, 0, 2, 3, 4, 6));
    const ours = join(dir, 'ours.zip');
    await writeZip(
      ours,
      [
        { path: 'model.onnx', source: big, store: true },
        { path: 'notes.txt', source: small },
      ],
      date,
    );

    // The reference: archiver's own file reader for both entries, same options.
    const reference = join(dir, 'reference.zip');
    const archive = new ZipArchive({ zlib: { level: 9 }, statConcurrency: 1 });
    const done = pipeline(archive, createWriteStream(reference));
    archive.file(big, { name: 'model.onnx', date, mode: 0o644, store: true, stats: await stat(big) });
    archive.file(small, { name: 'notes.txt', date, mode: 0o644, store: false, stats: await stat(small) });
    await Promise.all([archive.finalize(), done]);

    expect((await readFile(ours)).equals(await readFile(reference))).toBe(true);
  });
});
