import { describe, expect, it } from 'vitest';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { buildArtifact } from '../../src/artifact/build-artifact.js';
import { collectIncludes } from '../../src/artifact/includes.js';
import { fixtures } from '../helpers/fixtures.js';
import { readZipFiles } from './zip-reader.js';
import { manifestProblems, tempDir } from './artifact-helpers.js';

async function tree(root: string, files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, rel)), { recursive: true });
    await writeFile(join(root, rel), text);
  }
}

describe('--include and .model-ignore', () => {
  it('matches `env/` against artifact-relative paths: it drops the env directory and keeps environment.yaml', async () => {
    const root = await tempDir();
    await tree(root, {
      '.model-ignore': 'env/\n*.log\n',
      'extras/environment.yaml': 'deps: []\n',
      'extras/env/cache.bin': 'x',
      'extras/run.log': 'noise',
      'extras/labels.txt': 'zero\none\n',
    });
    const { files, ignored } = await collectIncludes([join(root, 'extras')], root);
    expect(files.map((f) => f.path)).toEqual(['extras/environment.yaml', 'extras/labels.txt']);
    expect(ignored).toEqual(['extras/env/cache.bin', 'extras/run.log']);
  });

  it('anchors a leading slash at the artifact root, as gitignore anchors at the repository root', async () => {
    const root = await tempDir();
    await tree(root, { '.model-ignore': '/extras/top.txt\n', 'extras/top.txt': '1', 'extras/deep/top.txt': '2' });
    const { files } = await collectIncludes([join(root, 'extras')], root);
    expect(files.map((f) => f.path)).toEqual(['extras/deep/top.txt']);
  });

  it("applies an included directory's own .model-ignore relative to that directory, and never packs the ignore file", async () => {
    const root = await tempDir();
    await tree(root, {
      'assets/.model-ignore': '/build\n!keep.tmp\n*.tmp\n',
      'assets/build/out.bin': 'x',
      'assets/sub/build/kept.bin': 'y',
      'assets/a.tmp': 'z',
      'assets/keep.tmp': 'k',
    });
    const { files, ignored } = await collectIncludes([join(root, 'assets')], join(root, 'nowhere'));
    expect(files.map((f) => f.path)).toEqual(['assets/sub/build/kept.bin']);
    expect(ignored).toEqual(['assets/a.tmp', 'assets/build/out.bin', 'assets/keep.tmp']);
  });

  it('puts included files in the artifact and the manifest, and refuses names that collide with reserved files', async () => {
    const root = await tempDir();
    const model = join(root, 'model.onnx');
    await copyFile(fixtures.multiIo, model);
    await tree(root, {
      '.model-ignore': '*.bak\n',
      'labels.txt': 'a\nb\n',
      'conf/app.json': '{}',
      'conf/app.json.bak': '{}',
      'other/runtime.yaml': 'x',
    });
    const out = join(root, 'out', 'a.zip');
    const result = await buildArtifact({
      model,
      output: out,
      include: [join(root, 'labels.txt'), join(root, 'conf')],
    });
    const files = await readZipFiles(out);
    expect(files.get('labels.txt')!.toString()).toBe('a\nb\n');
    expect(files.has('conf/app.json')).toBe(true);
    expect(files.has('conf/app.json.bak')).toBe(false);
    expect(result.ignored).toEqual(['conf/app.json.bak']);
    expect(manifestProblems(files)).toEqual([]);
    await expect(
      buildArtifact({
        model,
        output: join(root, 'b.zip'),
        include: [join(root, 'other/runtime.yaml')],
      }),
    ).rejects.toMatchObject({
      code: 'INCLUDE_CONFLICT',
    });
  });

  it('reports a missing --include path by name', async () => {
    await expect(collectIncludes(['/nonexistent/thing'], '/tmp')).rejects.toMatchObject({
      code: 'FILE_NOT_FOUND',
      message: expect.stringContaining('/nonexistent/thing'),
    });
  });
});
