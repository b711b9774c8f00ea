import { describe, expect, it } from 'vitest';
import { mkdir, readFile, readdir, writeFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { buildArtifact } from '../../src/artifact/build-artifact.js';
import { fixtures } from '../helpers/fixtures.js';
import { readZip } from './zip-reader.js';
import { isolatedCopy, tempDir } from './artifact-helpers.js';

const env = { SOURCE_DATE_EPOCH: '1700000000' };

async function rejection(p: Promise<unknown>): Promise<{ code?: string; kind?: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as { code?: string; kind?: string; message: string };
  }
  throw new Error('expected the build to fail');
}

describe('reproducible zips', () => {
  it('gives byte-identical zips for two runs with the same SOURCE_DATE_EPOCH, whatever the time zone', async () => {
    const model = await isolatedCopy(fixtures.externalData.model, [fixtures.externalData.weights]);
    const root = await tempDir();
    const previousTz = process.env.TZ;
    try {
      await buildArtifact({ model, output: join(root, 'one.zip'), sample: undefined, env });
      process.env.TZ = 'Pacific/Kiritimati';
      await new Promise((r) => setTimeout(r, 1100)); // a second later, in another zone
      await buildArtifact({ model, output: join(root, 'two.zip'), env });
    } finally {
      if (previousTz === undefined) delete process.env.TZ;
      else process.env.TZ = previousTz;
    }
    const [one, two] = await Promise.all([readFile(join(root, 'one.zip')), readFile(join(root, 'two.zip'))]);
    expect(one.equals(two)).toBe(true);
  });

  it('pins every entry to SOURCE_DATE_EPOCH, mode 0644 (0755 for start_server.sh), sorted, and stores the model uncompressed', async () => {
    const model = await isolatedCopy(fixtures.multiIo);
    const out = join(await tempDir(), 'a.zip');
    await buildArtifact({ model, output: out, env });
    const entries = await readZip(out);
    const names = entries.map((e) => e.name);
    expect(names).toEqual([...names].sort());
    // 2023-11-14 22:13:20 UTC as DOS date/time.
    const dosDate = ((2023 - 1980) << 9) | (11 << 5) | 14;
    const dosTime = (22 << 11) | (13 << 5) | (20 / 2);
    for (const e of entries) {
      expect({ name: e.name, mode: e.mode, date: e.dosDate, time: e.dosTime }).toEqual({
        name: e.name,
        mode: e.name === 'start_server.sh' ? 0o755 : 0o644,
        date: dosDate,
        time: dosTime,
      });
    }
    expect(entries.find((e) => e.name === 'model.onnx')!.compressionMethod).toBe(0);
    expect(entries.find((e) => e.name === 'runtime.yaml')!.compressionMethod).toBe(8);
    const runtime = entries.find((e) => e.name === 'runtime.yaml')!.data.toString();
    expect(runtime).toContain('CREATED_AT: 2023-11-14T22:13:20.000Z');
  });

  it("passes Python's zipfile integrity test, a third reader besides archiver and yauzl", async () => {
    const model = await isolatedCopy(fixtures.externalData.model, [fixtures.externalData.weights]);
    const out = join(await tempDir(), 'a.zip');
    await buildArtifact({ model, output: out, env });
    const code = 'import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nprint(z.testzip(), sorted(z.namelist()))';
    const r = await execa('/usr/bin/python3', ['-c', code, out]);
    expect(r.stdout).toBe(
      "None ['input_schema.json', 'manifest.json', 'model.onnx', 'output_schema.json', 'runtime.yaml', 'score.mjs', 'start_server.sh', 'weights.bin']",
    );
  });

  it('refuses a SOURCE_DATE_EPOCH that is not a number of seconds', async () => {
    const err = await rejection(
      buildArtifact({
        model: fixtures.multiIo,
        output: join(await tempDir(), 'a.zip'),
        env: { SOURCE_DATE_EPOCH: 'yesterday' },
      }),
    );
    expect(err.code).toBe('BAD_SOURCE_DATE_EPOCH');
  });
});

describe('atomic output', () => {
  it('refuses to replace an existing zip without force, leaving it untouched, and replaces it with force', async () => {
    const root = await tempDir();
    const out = join(root, 'a.zip');
    await writeFile(out, 'precious');
    const err = await rejection(buildArtifact({ model: fixtures.multiIo, output: out }));
    expect(err.code).toBe('OUTPUT_EXISTS');
    expect(await readFile(out, 'utf8')).toBe('precious');
    await buildArtifact({ model: fixtures.multiIo, output: out, force: true });
    expect((await readZip(out)).map((e) => e.name)).toContain('model.onnx');
    expect(await readdir(root)).toEqual(['a.zip']);
  });

  it('refuses to replace an existing directory without force and swaps it whole with force', async () => {
    const root = await tempDir();
    const dir = join(root, 'art');
    await mkdir(dir);
    await writeFile(join(dir, 'stale.txt'), 'old');
    const err = await rejection(buildArtifact({ model: fixtures.multiIo, dir }));
    expect(err.code).toBe('OUTPUT_EXISTS');
    expect(await readdir(dir)).toEqual(['stale.txt']);
    await buildArtifact({ model: fixtures.multiIo, dir, force: true });
    expect(await readdir(dir)).not.toContain('stale.txt');
    expect(await readdir(dir)).toContain('model.onnx');
    expect(await readdir(root)).toEqual(['art']);
  });

  it('leaves nothing behind, not even temporary files, when the build fails', async () => {
    const root = await tempDir();
    const bad = join(root, 'bad.json');
    await writeFile(
      bad,
      JSON.stringify({ inputs: [{ name: 'image', datatype: 'FP32', shape: [1, 1, 8, 8], data: [1, 2] }] }),
    );
    for (const target of [{ output: join(root, 'x.zip') }, { dir: join(root, 'x') }]) {
      const err = await rejection(buildArtifact({ model: fixtures.digits.model, sample: bad, ...target }));
      expect(err.code).toBe('SAMPLE_MISMATCH');
    }
    const missingWeights = await isolatedCopy(fixtures.externalData.model);
    for (const target of [{ output: join(root, 'y.zip') }, { dir: join(root, 'y') }]) {
      const err = await rejection(buildArtifact({ model: missingWeights, ...target }));
      expect(err.code).toBe('EXTERNAL_DATA_MISSING');
    }
    expect(await readdir(root)).toEqual(['bad.json']);
  });

  it('refuses to replace a directory with a zip, even with force', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'a.zip'));
    const err = await rejection(buildArtifact({ model: fixtures.multiIo, output: join(root, 'a.zip'), force: true }));
    expect(err.code).toBe('OUTPUT_IS_DIRECTORY');
    expect(await readdir(root)).toEqual(['a.zip']);
  });

  it('asks for exactly one of a zip and a directory', async () => {
    expect((await rejection(buildArtifact({ model: fixtures.multiIo }))).code).toBe('OUTPUT_MISSING');
    const root = await tempDir();
    const both = await rejection(
      buildArtifact({ model: fixtures.multiIo, output: join(root, 'a.zip'), dir: join(root, 'a') }),
    );
    expect(both.code).toBe('OUTPUT_AMBIGUOUS');
    expect(both.kind).toBe('usage');
  });
});

describe('bad input', () => {
  const cases = [
    ['a file that is not ONNX', fixtures.broken.notOnnx, 'NOT_ONNX'],
    ['a truncated ONNX file', fixtures.broken.truncated, 'ONNX_TRUNCATED'],
    ['a Git LFS pointer', fixtures.broken.lfsPointer, 'MODEL_IS_LFS_POINTER'],
    ['an empty file', fixtures.broken.empty, 'NOT_ONNX'],
    ['a path that does not exist', '/nonexistent/model.onnx', 'FILE_NOT_FOUND'],
    ['a directory', fixtures.externalData.dir, 'FILE_IS_DIRECTORY'],
  ] as const;
  it.each(cases)('refuses %s with a clear input error and writes nothing', async (_label, model, code) => {
    const root = await tempDir();
    const err = await rejection(buildArtifact({ model, output: join(root, 'a.zip') }));
    expect(err.code).toBe(code);
    expect(err.kind).toBe('input');
    expect(await readdir(root)).toEqual([]);
  });

  it('names the input and the mismatch when the sample does not fit the graph', async () => {
    const root = await tempDir();
    const write = async (name: string, body: unknown) => {
      await writeFile(join(root, name), JSON.stringify(body));
      return join(root, name);
    };
    const row = (n: number) => Array.from({ length: n }, () => 0.5);
    const wrongName = await write('n.json', {
      inputs: [{ name: 'img', datatype: 'FP32', shape: [1, 1, 8, 8], data: row(64) }],
    });
    const wrongType = await write('t.json', {
      inputs: [{ name: 'image', datatype: 'FP64', shape: [1, 1, 8, 8], data: row(64) }],
    });
    const wrongShape = await write('s.json', {
      inputs: [{ name: 'image', datatype: 'FP32', shape: [1, 8, 8], data: row(64) }],
    });
    const notJson = join(root, 'bad.json');
    await writeFile(notJson, '{"inputs": [');
    const m = async (sample: string) =>
      (await rejection(buildArtifact({ model: fixtures.digits.model, sample, output: join(root, 'o.zip') }))).message;
    expect(await m(wrongName)).toMatch(/input "image" is missing/);
    expect(await m(wrongType)).toMatch(/inputs\[0\] \("image"\)\.datatype must be equal to constant \("FP32"\)/);
    expect(await m(wrongShape)).toMatch(/inputs\[0\] \("image"\)\.shape must NOT have fewer than 4 items/);
    const parseErr = await rejection(
      buildArtifact({ model: fixtures.digits.model, sample: notJson, output: join(root, 'o.zip') }),
    );
    expect(parseErr.code).toBe('SAMPLE_NOT_JSON');
  });

  it('refuses a model whose external data lies outside its directory', async () => {
    const model = await isolatedCopy(fixtures.externalData.model);
    const bytes = await readFile(model);
    const escaped = Buffer.from(bytes.toString('latin1').split('weights.bin').join('../eights.b'), 'latin1');
    await writeFile(model, escaped);
    const err = await rejection(buildArtifact({ model, output: join(await tempDir(), 'a.zip') }));
    expect(err.code).toBe('EXTERNAL_DATA_OUTSIDE');
  });

  it('requires --score to be an existing .mjs file and packs it as score.mjs', async () => {
    const root = await tempDir();
    const js = join(root, 'score.js');
    await writeFile(js, 'export {}');
    expect(
      (await rejection(buildArtifact({ model: fixtures.multiIo, score: js, output: join(root, 'a.zip') }))).code,
    ).toBe('SCORE_NOT_MJS');
    expect(
      (
        await rejection(
          buildArtifact({ model: fixtures.multiIo, score: join(root, 'none.mjs'), output: join(root, 'a.zip') }),
        )
      ).code,
    ).toBe('FILE_NOT_FOUND');
    const mine = join(root, 'mine.mjs');
    await copyFile(new URL('../../templates/score.mjs', import.meta.url), mine);
    await writeFile(mine, `${await readFile(mine, 'utf8')}\n// custom\n`);
    await buildArtifact({ model: fixtures.multiIo, score: mine, output: join(root, 'a.zip') });
    const score = (await readZip(join(root, 'a.zip'))).find((e) => e.name === 'score.mjs')!;
    expect(score.data.toString()).toContain('// custom');
  });
});
