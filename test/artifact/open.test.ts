// The one artifact reader: a zip and a directory read the same, every document comes back validated, defects
// come back as problems (never thrown), and an older format is lifted through the shim registered for it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import * as ort from 'onnxruntime-node';
import { buildArtifact } from '../../src/artifact/build-artifact.js';
import { openArtifact } from '../../src/artifact/open.js';
import type { FormatShim } from '../../src/artifact/format-migrations.js';
import { fixtures } from '../helpers/fixtures.js';
import { tempDir } from './artifact-helpers.js';
import { rawZip } from '../fixtures/broken/raw-zip.mjs';

let root: string;
let zip: string;
let dir: string;
beforeAll(async () => {
  root = await tempDir('ood-open-');
  const env = { SOURCE_DATE_EPOCH: '1700000000' };
  const common = { model: fixtures.digits.model, sample: fixtures.digits.sample, env };
  zip = (await buildArtifact({ ...common, output: join(root, 'digits.zip') })).path;
  dir = (await buildArtifact({ ...common, dir: join(root, 'digits') })).path;
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe.each([
  ['zip', () => zip],
  ['directory', () => dir],
])('opening a prepared %s artifact', (source, path) => {
  it('gives its format version and every document, validated', async () => {
    const reader = await openArtifact(path());
    try {
      expect(reader.source).toBe(source);
      expect(await reader.formatVersion()).toEqual({ ok: true, value: '1.0' });
      const runtime = await reader.runtime();
      expect(runtime.ok && runtime.value.MODEL_DETAILS.NAME).toBe('model');
      const input = await reader.inputSchema();
      expect(input.ok && input.value.tensors.map((t) => t.name)).toEqual(['image']);
      const output = await reader.outputSchema();
      expect(output.ok && output.value.kind).toBe('output');
      const manifest = await reader.manifest();
      expect(manifest.ok && manifest.value.files.map((f) => f.path)).toContain('model.onnx');
      const sample = await reader.sample();
      expect(sample.ok && sample.value?.inputs[0]?.name).toBe('image');
      expect(await reader.evaluation()).toEqual({ ok: true, value: null });
    } finally {
      await reader.close();
    }
  });

  it('hands onnxruntime a model path and score.mjs a directory holding every file', async () => {
    const tempRoot = await tempDir('ood-open-temp-');
    const reader = await openArtifact(path(), { tempRoot });
    try {
      const session = await ort.InferenceSession.create(await reader.modelPath());
      expect(session.inputNames).toEqual(['image']);
      await session.release();
      const files = await readdir(await reader.directory());
      expect(files).toEqual(expect.arrayContaining(['model.onnx', 'score.mjs', 'runtime.yaml', 'manifest.json']));
    } finally {
      await reader.close();
    }
    expect(await readdir(tempRoot)).toEqual([]);
    await rm(tempRoot, { recursive: true, force: true });
  });
});

/** A copy of the directory artifact whose runtime.yaml is rewritten by `edit`. */
async function withRuntime(name: string, edit: (doc: Record<string, any>) => void): Promise<string> {
  const copy = join(root, name);
  await cp(dir, copy, { recursive: true });
  const doc = parse(await readFile(join(copy, 'runtime.yaml'), 'utf8')) as Record<string, any>;
  edit(doc);
  await writeFile(join(copy, 'runtime.yaml'), stringify(doc));
  return copy;
}

describe('a defective artifact', () => {
  it('reports an invalid runtime.yaml as problems that name the field, without throwing', async () => {
    const bad = await withRuntime('bad-runtime', (doc) => {
      delete doc.MODEL_DETAILS.NAME;
      doc.EXTRA = 1;
    });
    const reader = await openArtifact(bad);
    expect(await reader.runtime()).toEqual({
      ok: false,
      problems: [
        'runtime.yaml / must NOT have additional properties',
        "runtime.yaml /MODEL_DETAILS must have required property 'NAME'",
      ],
    });
    await reader.close();
  });

  it('reports a missing document as missing, and an unsafe zip as unreadable', async () => {
    const missing = join(root, 'no-schema');
    await cp(dir, missing, { recursive: true });
    await rm(join(missing, 'input_schema.json'));
    const reader = await openArtifact(missing);
    expect(await reader.inputSchema()).toEqual({ ok: false, problems: ['input_schema.json is missing'] });
    await reader.close();

    const evil = join(root, 'evil.zip');
    await writeFile(
      evil,
      rawZip([
        { name: 'runtime.yaml', data: 'MODEL_ARTIFACT_VERSION: "1.0"\n' },
        { name: '../model.onnx', data: 'm' },
      ]),
    );
    const unsafe = await openArtifact(evil);
    expect(await unsafe.runtime()).toEqual({ ok: false, problems: ['the artifact is unsafe to read'] });
    await expect(unsafe.modelPath()).rejects.toMatchObject({ code: 'ARCHIVE_UNSAFE' });
    await unsafe.close();
  });
});

describe('an artifact of an older format', () => {
  // Format 1.0 is the first release, so no real older format exists: this synthetic "0.9" called the model file
  // MODEL_DETAILS.MODEL_FILE. Its shim shows the registry at work; the shipped registry stays empty.
  const shim: FormatShim = {
    from: '0.9',
    to: '1.0',
    change: 'MODEL_DETAILS.MODEL_FILE was renamed FILE',
    runtime(doc) {
      const { MODEL_FILE, ...details } = doc.MODEL_DETAILS as Record<string, unknown>;
      return { ...doc, MODEL_DETAILS: { ...details, FILE: MODEL_FILE } };
    },
  };
  let old: string;
  beforeAll(async () => {
    old = await withRuntime('format-0.9', (doc) => {
      doc.MODEL_ARTIFACT_VERSION = '0.9';
      doc.MODEL_DETAILS.MODEL_FILE = doc.MODEL_DETAILS.FILE;
      delete doc.MODEL_DETAILS.FILE;
    });
  });

  it('is refused, naming the version and the field, when no shim reads it', async () => {
    const reader = await openArtifact(old);
    const r = await reader.runtime();
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problems.join('\n')).toMatch(/\/MODEL_ARTIFACT_VERSION must match pattern/);
    expect(!r.ok && r.problems.join('\n')).toMatch(/must have required property 'FILE'/);
    await reader.close();
  });

  it('is read as the current format through the shim registered for its version', async () => {
    const reader = await openArtifact(old, { migrations: new Map([['0.9', shim]]) });
    expect(await reader.formatVersion()).toEqual({ ok: true, value: '0.9' });
    const r = await reader.runtime();
    expect(r.ok && r.value.MODEL_ARTIFACT_VERSION).toBe('1.0');
    expect(r.ok && r.value.MODEL_DETAILS.FILE).toBe('model.onnx');
    await reader.close();
  });
});
