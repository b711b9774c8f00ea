// Issue 18 items 6 and 7, local half: a damaged local store (index.json that is not an index, digests that are
// not sha256, a blob that is a directory or a FIFO) gives a clear input error (exit 3) and never becomes a path
// or a read of something else; a corrupt blob is replaced by the next push, which makes the tag pullable again.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isOodError, listTags, pullArtifact, pushArtifact } from '../../src/index.js';
import { writeTestArtifact } from '../helpers/artifact-zip.js';

const CLI = new URL('../../dist/src/cli/main.js', import.meta.url).pathname;

describe('a damaged local store', () => {
  let dir: string;
  let zip: string;
  let env: NodeJS.ProcessEnv;
  let root: string;
  let pristineIndex: string;
  let modelBlob: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ood-damaged-'));
    zip = join(dir, 'digits.zip');
    await writeTestArtifact(zip);
  });
  beforeEach(async () => {
    env = { OOD_HOME: join(dir, `home-${Math.random().toString(36).slice(2)}`) };
    root = join(env.OOD_HOME!, 'registry');
    const pushed = await pushArtifact(zip, 'digits:1.0', { env });
    pristineIndex = await readFile(join(root, 'index.json'), 'utf8');
    modelBlob = join(root, 'blobs', 'sha256', pushed.layers.find((l) => l.title === 'model.onnx')!.digest.slice(7));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function refusal(run: Promise<unknown>): Promise<{ code: string; exit: number; message: string }> {
    const err = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!isOodError(err)) throw new Error(`expected an OodError, got ${String(err)}`);
    return { code: err.code, exit: err.exitCode, message: err.message };
  }

  const indexCases: [string, (pristine: string) => string, RegExp][] = [
    ['is JSON null', () => 'null', /is not a JSON object/],
    ['has "manifests": 5', () => '{"schemaVersion":2,"manifests":5}', /"manifests" that is not a list/],
    [
      'names a blob sha256:../../../../dev/zero',
      (p) => p.replace(/"digest": "sha256:[a-f0-9]{64}"/, '"digest": "sha256:../../../../dev/zero"'),
      /digest is bad: "sha256:..\/..\/..\/..\/dev\/zero" is not a digest/,
    ],
    ['has a null entry', () => '{"manifests":[null]}', /manifests\[0\] that is not an object/],
  ];
  for (const [what, damage, expected] of indexCases) {
    it(`whose index.json ${what} fails pull and ls as bad input (exit 3) naming the file`, async () => {
      await writeFile(join(root, 'index.json'), damage(pristineIndex));
      for (const run of [
        () => pullArtifact('digits:1.0', join(dir, 'never.zip'), { env }),
        () => listTags('digits', { env }),
      ]) {
        const r = await refusal(run());
        expect(r).toMatchObject({ code: 'LAYOUT_CORRUPT', exit: 3 });
        expect(r.message).toContain(join(root, 'index.json'));
        expect(r.message).toMatch(expected);
      }
      await expect(readFile(join(dir, 'never.zip'))).rejects.toMatchObject({ code: 'ENOENT' });
    });
  }

  it('whose blob is a directory fails pull as bad input (exit 3), not as a crash', async () => {
    await rm(modelBlob);
    await mkdir(modelBlob);
    const r = await refusal(pullArtifact('digits:1.0', join(dir, 'dir.zip'), { env }));
    expect(r).toMatchObject({ code: 'LAYOUT_CORRUPT', exit: 3 });
    expect(r.message).toMatch(/is not a regular file/);
  });

  it('whose blob is a FIFO fails pull without opening it', async () => {
    await rm(modelBlob);
    await execa('mkfifo', [modelBlob]);
    const r = await refusal(pullArtifact('digits:1.0', join(dir, 'fifo.zip'), { env }));
    expect(r).toMatchObject({ code: 'LAYOUT_CORRUPT', exit: 3 });
  });

  it('whose model blob was corrupted in place is repaired by pushing the artifact again', async () => {
    const bytes = await readFile(modelBlob);
    bytes[100] = bytes[100]! ^ 0xff;
    await writeFile(modelBlob, bytes);
    await expect(pullArtifact('digits:1.0', join(dir, 'bad.zip'), { env })).rejects.toMatchObject({
      code: 'DIGEST_MISMATCH',
    });
    const again = await pushArtifact(zip, 'digits:2.0', { env });
    expect(again.layers.find((l) => l.title === 'model.onnx')!.uploaded).toBe(true);
    for (const tag of ['1.0', '2.0']) {
      const out = join(dir, `repaired-${tag}-${Math.random()}.zip`);
      await pullArtifact(`digits:${tag}`, out, { env });
      expect((await readFile(out)).equals(await readFile(zip))).toBe(true);
    }
  });

  it('makes the CLI exit 3 with the damaged file and a hint, not 70', async () => {
    await writeFile(join(root, 'index.json'), 'null');
    const r = await execa('node', [CLI, 'pull', 'digits:1.0', '-o', join(dir, 'cli.zip')], { env, reject: false });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain('index.json is not a JSON object');
    expect(r.stderr).toMatch(/Hint: /);
  });
});
