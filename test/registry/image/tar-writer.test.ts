// The reproducible tar writer, read back by independent readers: Python's tarfile (pax and ustar) and GNU tar.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeLayerFile } from '../../../src/registry/image/layer-file.js';
import { createTarStream, type TarEntry } from '../../../src/registry/image/tar-writer.js';
import { runPythonCode } from '../../helpers/python.js';

const file = (path: string, text: string, mode?: number): TarEntry => {
  const bytes = Buffer.from(text);
  return { type: 'file', path, size: bytes.length, open: () => Readable.from([bytes]), mode };
};
const LONG_SPLIT = `models/${'d'.repeat(90)}/${'f'.repeat(60)}.bin`; // > 100 bytes, fits ustar prefix + name
const LONG_PAX = `models/${'x'.repeat(300)}.bin`; // no split fits: needs a pax path record
const entries: TarEntry[] = [
  file('models/digits/config.pbtxt', 'name: "digits"\n'),
  file('models/digits/1/model.onnx', 'onnx bytes'),
  file(LONG_SPLIT, 'split'),
  file(LONG_PAX, 'pax'),
  file('models/é中.txt', 'utf-8 name', 0o600),
  { type: 'symlink', path: 'models/latest', target: 'digits' },
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ood-tar-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the tar writer', () => {
  it('writes every entry, parents first and sorted, with uid/gid 0 and one mtime, as tarfile reads them', async () => {
    const tar = join(dir, 'a.tar');
    await writeFile(tar, await buffer(createTarStream(entries, { mtime: 1767225600 })));
    const r = await runPythonCode(
      'import json, sys, tarfile\nwith tarfile.open(sys.argv[1]) as t:\n' +
        '  print(json.dumps([[m.name, m.type.decode(), m.mode, m.uid, m.gid, m.mtime, m.size, m.linkname,' +
        ' t.extractfile(m).read().decode() if m.isfile() else None] for m in t.getmembers()]))',
      [tar],
    );
    const members = JSON.parse(r.stdout) as [string, string, number, number, number, number, number, string, string][];
    expect(members.map((m) => m[0])).toEqual([
      'models',
      LONG_SPLIT.slice(0, LONG_SPLIT.lastIndexOf('/')),
      LONG_SPLIT,
      'models/digits',
      'models/digits/1',
      'models/digits/1/model.onnx',
      'models/digits/config.pbtxt',
      'models/latest',
      LONG_PAX,
      'models/é中.txt',
    ]);
    expect(new Set(members.map((m) => `${m[3]}:${m[4]}:${m[5]}`))).toEqual(new Set(['0:0:1767225600']));
    const byName = new Map(members.map((m) => [m[0], m]));
    expect(byName.get('models')!.slice(1, 3)).toEqual(['5', 0o755]);
    expect(byName.get('models/digits/1/model.onnx')!.slice(1, 3)).toEqual(['0', 0o644]);
    expect(byName.get('models/é中.txt')![2]).toBe(0o600);
    expect(byName.get('models/latest')!.slice(1, 2).concat(byName.get('models/latest')![7])).toEqual(['2', 'digits']);
    expect(byName.get(LONG_PAX)![8]).toBe('pax');
    expect(byName.get(LONG_SPLIT)![8]).toBe('split');
  });

  it('passes GNU tar, which checks every header checksum', async () => {
    const tar = join(dir, 'b.tar');
    await writeFile(tar, await buffer(createTarStream(entries)));
    const r = await execa('tar', ['-tf', tar]);
    expect(r.stdout.split('\n')).toContain(LONG_PAX);
  });

  it('gives byte-identical layers for the same entries, whatever order they come in', async () => {
    const a = await writeLayerFile(entries, join(dir, 'a.tar.gz'), { mtime: 5 });
    const b = await writeLayerFile([...entries].reverse(), join(dir, 'b.tar.gz'), { mtime: 5 });
    expect(b.digest).toBe(a.digest);
    expect(b.diffId).toBe(a.diffId);
    const gz = await readFile(join(dir, 'a.tar.gz'));
    expect(`sha256:${createHash('sha256').update(gz).digest('hex')}`).toBe(a.digest);
    const tar = await execa('gzip', ['-dc', join(dir, 'a.tar.gz')], { encoding: 'buffer' });
    expect(`sha256:${createHash('sha256').update(tar.stdout).digest('hex')}`).toBe(a.diffId);
    const c = await writeLayerFile(entries, join(dir, 'c.tar.gz'), { mtime: 6 });
    expect(c.digest).not.toBe(a.digest);
  });

  it('fails when a file yields other than its declared size, and refuses unclean paths', async () => {
    const liar: TarEntry = { type: 'file', path: 'a', size: 3, open: () => Readable.from([Buffer.from('ab')]) };
    await expect(buffer(createTarStream([liar]))).rejects.toThrow(/has 2 bytes, not its declared 3/);
    expect(() => createTarStream([file('../etc/passwd', 'x')])).toThrow(/not a clean relative path/);
  });
});
