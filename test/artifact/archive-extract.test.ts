import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractArchive } from '../../src/artifact/archive-extract.js';
import { openArtifact } from '../../src/artifact/open.js';
// @ts-expect-error: plain JS fixture writer
import { rawZip } from '../fixtures/broken/raw-zip.mjs';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ood-extract-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function zipOf(name: string, entries: unknown[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, rawZip(entries));
  return path;
}

describe('extractArchive', () => {
  it('extracts files and directories with their exact content', async () => {
    const zip = await zipOf('good.zip', [
      { name: 'a.txt', data: 'alpha' },
      { name: 'nested/', data: '', method: 0 },
      { name: 'nested/deep/b.bin', data: Buffer.from([1, 2, 3]), method: 0 },
    ]);
    const dest = await mkdtemp(join(dir, 'dest-'));
    const written = await extractArchive(zip, dest);
    expect(written).toEqual(['a.txt', 'nested/deep/b.bin']);
    expect(await readFile(join(dest, 'a.txt'), 'utf8')).toBe('alpha');
    expect([...(await readFile(join(dest, 'nested/deep/b.bin')))]).toEqual([1, 2, 3]);
    expect((await stat(join(dest, 'a.txt'))).mode & 0o777).toBe(0o600);
  });

  it('writes nothing at all when any entry is unsafe, and nothing lands outside the destination', async () => {
    const box = await mkdtemp(join(dir, 'box-'));
    const dest = join(box, 'dest');
    await mkdir(dest);
    const zip = await zipOf('evil.zip', [
      { name: 'fine.txt', data: 'ok' },
      { name: '../escaped.txt', data: 'pwned' },
      { name: 'link', data: '/etc/passwd', unixMode: 0o120777 },
    ]);
    await expect(extractArchive(zip, dest)).rejects.toMatchObject({ code: 'ARCHIVE_UNSAFE', kind: 'check' });
    expect(await readdir(dest)).toEqual([]);
    expect((await readdir(box)).sort()).toEqual(['dest']);
  });

  it('lists every finding in the refusal message', async () => {
    const zip = await zipOf('evil2.zip', [
      { name: '/abs', data: 'x' },
      { name: 'dup', data: '1' },
      { name: 'dup', data: '2' },
    ]);
    const dest = await mkdtemp(join(dir, 'dest-'));
    const err = await extractArchive(zip, dest).catch((e: unknown) => e as Error);
    expect(err.message).toContain('ABSOLUTE_PATH');
    expect(err.message).toContain('DUPLICATE_NAME');
  });

  it('never replaces a file that already exists in the destination', async () => {
    const zip = await zipOf('clash.zip', [{ name: 'a.txt', data: 'new' }]);
    const dest = await mkdtemp(join(dir, 'dest-'));
    await writeFile(join(dest, 'a.txt'), 'old');
    await expect(extractArchive(zip, dest)).rejects.toMatchObject({ code: 'FILE_UNREADABLE' });
    expect(await readFile(join(dest, 'a.txt'), 'utf8')).toBe('old');
  });
});

describe('openArtifact(...).directory()', () => {
  it('extracts a zip into a private 0700 temporary directory and removes it on close', async () => {
    const zip = await zipOf('artifact.zip', [{ name: 'model.onnx', data: 'm' }]);
    const tempRoot = await mkdtemp(join(dir, 'root-'));
    const opened = await openArtifact(zip, { tempRoot });
    expect(opened.source).toBe('zip');
    const extracted = await opened.directory();
    expect(extracted.startsWith(tempRoot)).toBe(true);
    expect((await stat(extracted)).mode & 0o777).toBe(0o700);
    expect(await readFile(join(extracted, 'model.onnx'), 'utf8')).toBe('m');
    await opened.close();
    expect(await readdir(tempRoot)).toEqual([]);
  });

  it('uses a directory as it is, and its close deletes nothing', async () => {
    const artifactDir = await mkdtemp(join(dir, 'plain-'));
    await writeFile(join(artifactDir, 'model.onnx'), 'm');
    // A directory with neither runtime.yaml nor manifest.json is no artifact (DIRECTORY_NOT_AN_ARTIFACT).
    await writeFile(join(artifactDir, 'runtime.yaml'), 'r');
    const opened = await openArtifact(artifactDir);
    expect(opened.source).toBe('directory');
    expect(await opened.directory()).toBe(artifactDir);
    await opened.close();
    expect((await readdir(artifactDir)).sort()).toEqual(['model.onnx', 'runtime.yaml']);
  });

  it('leaves no temporary directory behind when the zip is unsafe', async () => {
    const zip = await zipOf('artifact-evil.zip', [{ name: '../x', data: 'm' }]);
    const tempRoot = await mkdtemp(join(dir, 'root-'));
    const opened = await openArtifact(zip, { tempRoot });
    await expect(opened.directory()).rejects.toMatchObject({ code: 'ARCHIVE_UNSAFE' });
    await opened.close();
    expect(await readdir(tempRoot)).toEqual([]);
  });

  it('reports a missing artifact as FILE_NOT_FOUND', async () => {
    await expect(openArtifact(join(dir, 'missing.zip'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});
