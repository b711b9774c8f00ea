// Splitting a zip into layers refuses what is not an artifact, and the parts always tile the file.
import { mkdtemp, rm } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ZipArchive } from 'archiver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitArtifactZip } from '../../src/index.js';
import { tileParts } from '../../src/registry/zip-split.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ood-split-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function zipOf(name: string, files: Record<string, string>): Promise<string> {
  const path = join(dir, name);
  const archive = new ZipArchive({});
  const done = pipeline(archive, createWriteStream(path));
  for (const [entry, text] of Object.entries(files)) archive.append(text, { name: entry });
  await Promise.all([archive.finalize(), done]);
  return path;
}

describe('splitting an artifact zip', () => {
  it('refuses a zip without runtime.yaml, and one without model.onnx, as bad input', async () => {
    const noRuntime = await zipOf('a.zip', { 'model.onnx': 'x' });
    await expect(splitArtifactZip(noRuntime)).rejects.toMatchObject({
      code: 'NOT_AN_ARTIFACT',
      kind: 'input',
      message: expect.stringContaining('runtime.yaml'),
    });
    const noModel = await zipOf('b.zip', { 'runtime.yaml': 'MODEL_DETAILS:\n  NAME: m\n' });
    await expect(splitArtifactZip(noModel)).rejects.toMatchObject({
      code: 'NOT_AN_ARTIFACT',
      message: expect.stringContaining('model.onnx'),
    });
  });

  it('fills the gaps between payloads so that the parts cover the file in order', () => {
    const payload = (start: number, end: number) => ({ start, end, mediaType: 'm', title: 't' });
    const parts = tileParts([payload(50, 80), payload(10, 20)], 100);
    expect(parts.map((p) => [p.start, p.end])).toEqual([
      [0, 10],
      [10, 20],
      [20, 50],
      [50, 80],
      [80, 100],
    ]);
    expect(tileParts([payload(0, 100)], 100).map((p) => [p.start, p.end])).toEqual([[0, 100]]);
  });
});
