// runtime.yaml is validated wherever it is read, not only by introspect: the server and deploy's model source (at
// the admission gate, with the check key) and push's layer split refuse a runtime.yaml that does not match schemas/runtime.schema.json, naming the field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { buildArtifact } from '../../src/artifact/build-artifact.js';
import { serve } from '../serve/helpers/server.js';
import { splitArtifactZip } from '../../src/registry/zip-split.js';
import { openModelSource } from '../../src/deploy/model-source.js';
import { writeZip } from '../../src/artifact/zip-writer.js';
import { fixtures } from '../helpers/fixtures.js';
import { tempDir } from './artifact-helpers.js';

let root: string;
let good: string;
let bad: string;
let badZip: string;
beforeAll(async () => {
  root = await tempDir('ood-runtime-validated-');
  good = (await buildArtifact({ model: fixtures.digits.model, dir: join(root, 'good') })).path;
  bad = join(root, 'bad');
  await cp(good, bad, { recursive: true });
  const runtime = parse(await readFile(join(bad, 'runtime.yaml'), 'utf8')) as Record<string, any>;
  runtime.MODEL_DETAILS.SIZE = 'forty-one kilobytes';
  await writeFile(join(bad, 'runtime.yaml'), stringify(runtime));
  const files = (await readdir(bad)).sort();
  badZip = join(root, 'bad.zip');
  await writeZip(
    badZip,
    files.map((f) => ({ path: f, source: join(bad, f), store: f === 'model.onnx' })),
    new Date('2026-01-01T00:00:00Z'),
  );
});
afterAll(() => rm(root, { recursive: true, force: true }));

const named = /runtime\.yaml \/MODEL_DETAILS\/SIZE must be integer/;

describe('a runtime.yaml that does not match its schema', () => {
  it('is refused by the server at its admission gate (exit 4, runtime.schema), while a valid one loads', async () => {
    await expect(serve(bad)).rejects.toMatchObject({
      code: 'ARTIFACT_REFUSED',
      message: expect.stringMatching(/runtime\.schema: .*MODEL_DETAILS\/SIZE must be integer/),
    });
    const fine = await serve(good);
    expect(fine.engine.state).toBe('ready');
    await fine.close();
  });

  it('is refused by push as not an artifact, naming the field', async () => {
    await expect(splitArtifactZip(badZip)).rejects.toMatchObject({
      code: 'NOT_AN_ARTIFACT',
      message: expect.stringMatching(named),
    });
  });

  it('is refused by the deploy routes at the admission gate, naming the field', async () => {
    await expect(openModelSource(bad)).rejects.toMatchObject({
      code: 'ARTIFACT_REFUSED',
      message: expect.stringMatching(named),
    });
  });
});
