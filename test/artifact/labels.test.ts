// `ood prepare --labels`: class names read from lines or a JSON array, stored as labels.txt, declared in
// runtime.yaml's CLASSIFICATION, listed in the manifest, checked by introspect and handed to the server.
import { describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { buildArtifact } from '../../src/artifact/build-artifact.js';
import { outputActivation } from '../../src/artifact/classification.js';
import { readLabelsFile } from '../../src/artifact/labels.js';
import { openArtifact } from '../../src/artifact/open.js';
import type { Manifest, RuntimeYaml } from '../../src/artifact/spec.js';
import type { OnnxModel } from '../../src/onnx/model.js';
import { runChecks } from '../../src/checks/run-checks.js';
import { describeArtifact } from '../../src/serve/artifact-description.js';
import { fixtures } from '../helpers/fixtures.js';
import { isolatedCopy, tempDir } from './artifact-helpers.js';

const DIGITS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven'];

async function labelsFile(text: string): Promise<string> {
  const path = join(await tempDir('ood-labels-'), 'labels');
  await writeFile(path, text);
  return path;
}

describe('reading a --labels file', () => {
  it('takes one name a line, with \\n or \\r\\n endings, a final line ending and a byte-order mark', async () => {
    expect(await readLabelsFile(await labelsFile('cat\ndog\n'))).toEqual(['cat', 'dog']);
    expect(await readLabelsFile(await labelsFile('\ufeffcat\r\ndog'))).toEqual(['cat', 'dog']);
    expect(await readLabelsFile(await labelsFile('a label with spaces\nb\n'))).toEqual(['a label with spaces', 'b']);
  });

  it('takes a JSON array of strings', async () => {
    expect(await readLabelsFile(await labelsFile(' ["cat", "dog, big"]\n'))).toEqual(['cat', 'dog, big']);
  });

  it('refuses blank, repeated, padded or non-string labels, listing every problem', async () => {
    const refusal = (text: string) => readLabelsFile(text).catch((e: unknown) => e);
    const err = (await refusal(await labelsFile('cat\n\ndog\ncat\n dog\n'))) as Error & { code: string; kind: string };
    expect(err).toMatchObject({ code: 'LABELS_INVALID', kind: 'input' });
    expect(err.message).toContain('label 2 is empty');
    expect(err.message).toContain('label 4 "cat" repeats label 1');
    expect(err.message).toContain('label 5 " dog" has leading or trailing spaces');
    expect(await refusal(await labelsFile('["a", 3]'))).toMatchObject({
      message: expect.stringContaining('label 2 is 3'),
    });
    expect(await refusal(await labelsFile('[1, 2'))).toMatchObject({ code: 'LABELS_INVALID' });
    expect(await refusal(await labelsFile(''))).toMatchObject({ message: expect.stringContaining('no labels') });
    expect(await refusal('/nonexistent/labels.txt')).toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});

describe('prepare --labels', () => {
  it('stores labels.txt, declares it in runtime.yaml and the manifest, and introspect and the server read it', async () => {
    const model = await isolatedCopy(fixtures.digits.model);
    const dir = join(await tempDir(), 'artifact');
    const built = await buildArtifact({ model, dir, labels: fixtures.digits.labels });
    expect(built.labels).toEqual(DIGITS);
    expect(await readFile(join(dir, 'labels.txt'), 'utf8')).toBe(DIGITS.map((l) => `${l}\n`).join(''));
    const runtime = parse(await readFile(join(dir, 'runtime.yaml'), 'utf8')) as RuntimeYaml;
    expect(runtime.CLASSIFICATION).toEqual({ OUTPUT: 'logits', CLASSES: 8, ACTIVATION: 'none', LABELS: 'labels.txt' });
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.files.map((f) => f.path)).toContain('labels.txt');
    const report = await runChecks(dir);
    expect(report.checks.find((c) => c.key === 'schemas.labels')).toMatchObject({
      result: 'PASSED',
      message: '8 labels name the 8 classes of logits',
    });
    const reader = await openArtifact(dir);
    try {
      expect((await describeArtifact(reader)).labels).toEqual(DIGITS);
    } finally {
      await reader.close();
    }
  });

  it('writes no CLASSIFICATION and no labels for a plain model without --labels', async () => {
    const dir = join(await tempDir(), 'artifact');
    await buildArtifact({ model: await isolatedCopy(fixtures.digits.model), dir });
    const runtime = parse(await readFile(join(dir, 'runtime.yaml'), 'utf8')) as RuntimeYaml;
    expect(runtime.CLASSIFICATION).toBeUndefined();
    const reader = await openArtifact(dir);
    try {
      expect((await describeArtifact(reader)).labels).toBeNull();
    } finally {
      await reader.close();
    }
  });

  it('refuses labels whose count differs from the classes, and labels no output takes, before writing anything', async () => {
    const out = await tempDir();
    const seven = await labelsFile(DIGITS.slice(0, 7).join('\n'));
    await expect(
      buildArtifact({ model: await isolatedCopy(fixtures.digits.model), dir: join(out, 'a'), labels: seven }),
    ).rejects.toMatchObject({ code: 'LABELS_UNPLACED', kind: 'input' });
    const four = await labelsFile('a\nb\nc\nd\n');
    await expect(
      buildArtifact({ model: await isolatedCopy(fixtures.twoLogits), dir: join(out, 'b'), labels: four }),
    ).rejects.toMatchObject({ code: 'LABELS_UNPLACED', message: expect.stringContaining('no output has 4 classes') });
    await expect(readFile(join(out, 'a', 'runtime.yaml'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('places labels on the one output whose classes they fit', async () => {
    const dir = join(await tempDir(), 'artifact');
    await buildArtifact({ model: await isolatedCopy(fixtures.twoLogits), dir, labels: await labelsFile('x\ny\nz\n') });
    const runtime = parse(await readFile(join(dir, 'runtime.yaml'), 'utf8')) as RuntimeYaml;
    expect(runtime.CLASSIFICATION).toMatchObject({ OUTPUT: 'logits_b', CLASSES: 3 });
  });
});

describe('the last activation of an output', () => {
  const graph = (nodes: { opType: string; inputs: string[]; outputs: string[] }[]) =>
    ({
      info: { graph: { nodes: nodes.map((n) => ({ ...n, domain: '', name: '', attributes: [] })) } },
    }) as unknown as OnnxModel;

  it('is softmax or sigmoid through Identity nodes, and none for logits and LogSoftmax', () => {
    const m = graph([
      { opType: 'Gemm', inputs: ['x'], outputs: ['z'] },
      { opType: 'Softmax', inputs: ['z'], outputs: ['p'] },
      { opType: 'Identity', inputs: ['p'], outputs: ['probs'] },
      { opType: 'Sigmoid', inputs: ['z'], outputs: ['s'] },
      { opType: 'LogSoftmax', inputs: ['z'], outputs: ['log'] },
    ]);
    expect(outputActivation(m, 'probs')).toBe('softmax');
    expect(outputActivation(m, 's')).toBe('sigmoid');
    expect(outputActivation(m, 'z')).toBe('none');
    expect(outputActivation(m, 'log')).toBe('none');
    expect(outputActivation(m, 'x')).toBe('none');
  });
});
