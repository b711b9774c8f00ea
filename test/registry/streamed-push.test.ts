// push reads a large stored model once (issue 18, "line rate"): the admission gate leaves its hash to the upload,
// and the upload's digest is judged before the blob is committed or any manifest or tag is written. A model
// whose bytes are not what manifest.json says, or whose CRC-32 the central directory contradicts, is refused
// with introspect's own check key and message, and leaves nothing in the store; a blob the store already holds
// under the claimed digest is not borrowed by such a model.
import { execFileSync } from 'node:child_process';
import { copyFile, mkdtemp, open, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOodError, listTags, pullArtifact, pushArtifact, runChecks } from '../../src/index.js';
import { ADMISSION_CATEGORIES } from '../../src/checks/admission.js';
import { splitArtifactZip } from '../../src/registry/zip-split.js';
import { repoRoot } from '../helpers/fixtures.js';
import { registryAvailable, startRegistry, type RunningRegistry } from '../helpers/registry-harness.js';

const { writeBigModel } = (await import(join(repoRoot, 'bench', 'big-model.mjs'))) as {
  writeBigModel: (p: string, mb: number) => Promise<void>;
};
const CLI = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
const env = { HOME: '/nonexistent', DOCKER_CONFIG: '/nonexistent' };

/** Bytes this process has read through read(2)-like calls, page cache included (Linux /proc/self/io). */
async function bytesRead(): Promise<number> {
  return Number(/^rchar: (\d+)$/m.exec(await readFile('/proc/self/io', 'utf8'))![1]);
}

async function patch(path: string, offset: number, bytes: Buffer): Promise<void> {
  const handle = await open(path, 'r+');
  await handle.write(bytes, 0, bytes.length, offset);
  await handle.close();
}

/** Offset of model.onnx's CRC-32 in the central directory (APPNOTE 6.3.10 §4.3.12: 16 bytes into its record). */
function centralCrcOffset(zip: Buffer): number {
  for (let i = zip.lastIndexOf('PK\x01\x02'); i >= 0; i = zip.lastIndexOf('PK\x01\x02', i - 1)) {
    const nameLength = zip.readUInt16LE(i + 28);
    if (zip.subarray(i + 46, i + 46 + nameLength).toString() === 'model.onnx') return i + 16;
  }
  throw new Error('no central directory record for model.onnx');
}

async function refusal(promise: Promise<unknown>) {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isOodError(err)) throw new Error(`expected a refusal, got ${String(err)}`);
  return err;
}

/** The FAILED admission checks of introspect, as the gate words them ("key: message"). */
async function introspectFailures(zip: string): Promise<string[]> {
  const report = await runChecks(zip);
  return report.checks
    .filter((c) => c.result === 'FAILED' && ADMISSION_CATEGORIES.includes(c.category))
    .map((c) => `${c.key}: ${c.message}`);
}

describe.skipIf(!registryAvailable())('a large stored model pushed in one read', () => {
  let registry: RunningRegistry;
  let dir: string;
  let good: string;
  const tampered: Record<'bytes' | 'crc', string> = { bytes: '', crc: '' };
  let modelSize = 0;

  beforeAll(async () => {
    registry = await startRegistry();
    dir = await mkdtemp(join(tmpdir(), 'ood-streamed-'));
    await writeBigModel(join(dir, 'model.onnx'), 24);
    good = join(dir, 'good.zip');
    execFileSync('node', [CLI, 'prepare', join(dir, 'model.onnx'), '-o', good, '--no-introspect'], { stdio: 'ignore' });
    const model = (await splitArtifactZip(good)).parts.find((p) => p.title === 'model.onnx')!;
    modelSize = model.end - model.start;
    tampered.bytes = join(dir, 'bytes.zip');
    await copyFile(good, tampered.bytes);
    // One bit inside the weights: still a parseable model, no longer the one manifest.json and runtime.yaml name.
    const at = model.start + Math.floor(modelSize / 2);
    const original = (await readFile(good)).subarray(at, at + 1);
    await patch(tampered.bytes, at, Buffer.from([original[0]! ^ 1]));
    tampered.crc = join(dir, 'crc.zip');
    await copyFile(good, tampered.crc);
    const crcAt = centralCrcOffset(await readFile(good));
    const crc = (await readFile(good)).readUInt32LE(crcAt);
    const wrong = Buffer.alloc(4);
    wrong.writeUInt32LE((crc ^ 0x5a5a5a5a) >>> 0);
    await patch(tampered.crc, crcAt, wrong);
  }, 120_000);
  afterAll(async () => {
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the zip once while pushing it to a registry, and pulls back the same bytes', async () => {
    // Push runs every check of introspect: their modules are read (and transformed) on first use, which this
    // count of the process's reads must not take for reads of the zip.
    await runChecks(good, { only: ['schemas.input', 'score.parse', 'model.opset', 'certainty.record'] });
    const before = await bytesRead();
    const pushed = await pushArtifact(good, `${registry.host}/team/once:1.0`, { env });
    const read = (await bytesRead()) - before;
    expect(pushed.layers.find((l) => l.title === 'model.onnx')).toMatchObject({ size: modelSize, uploaded: true });
    // The gate used to read the model in full before the upload read it again (2x).
    expect(read).toBeGreaterThan(modelSize);
    expect(read).toBeLessThan(modelSize * 1.25);
    const out = join(dir, 'once.zip');
    await pullArtifact(`${registry.host}/team/once:1.0`, out, { env });
    expect((await readFile(out)).equals(await readFile(good))).toBe(true);
  });

  for (const kind of ['bytes', 'crc'] as const) {
    it(`refuses a model whose ${kind === 'bytes' ? 'bytes' : 'CRC-32'} changed in introspect's words, storing nothing locally`, async () => {
      const expected = await introspectFailures(tampered[kind]);
      expect(expected.some((f) => f.startsWith('integrity.hashes: '))).toBe(true);
      const home = join(dir, `home-${kind}`);
      const err = await refusal(pushArtifact(tampered[kind], `team/m:${kind}`, { env: { ...env, OOD_HOME: home } }));
      expect(err.code).toBe('ARTIFACT_REFUSED');
      expect(err.exitCode).toBe(4);
      for (const failure of expected) expect(err.message).toContain(failure);
      // The model goes first and is renamed into place only once admitted: no blob, no temporary file, no tag.
      const blobs = await readdir(join(home, 'registry', 'blobs', 'sha256')).catch(() => []);
      expect(blobs).toEqual([]);
      await expect(readFile(join(home, 'registry', 'index.json'))).rejects.toMatchObject({ code: 'ENOENT' });
    });

    it(`refuses the same model pushed to a registry that holds the genuine one, and writes no tag`, async () => {
      const repo = `${registry.host}/team/borrow-${kind}`;
      await pushArtifact(good, `${repo}:good`, { env });
      const err = await refusal(pushArtifact(tampered[kind], `${repo}:bad`, { env }));
      expect(err.code).toBe('ARTIFACT_REFUSED');
      for (const failure of await introspectFailures(tampered[kind])) expect(err.message).toContain(failure);
      expect((await listTags(repo, { env })).tags.map((t) => t.tag)).toEqual(['good']);
    });
  }

  it('refuses a changed model pushed to a registry that has nothing yet, leaving no tag and no model blob', async () => {
    const repo = `${registry.host}/team/fresh`;
    const err = await refusal(pushArtifact(tampered.bytes, `${repo}:bad`, { env }));
    expect(err.code).toBe('ARTIFACT_REFUSED');
    const listed = await listTags(repo, { env }).catch((e: unknown) => (isOodError(e) ? e.code : e));
    expect(listed).toBe('REGISTRY_NOT_FOUND');
    // The registry checked the bytes against the digest manifest.json claims and linked nothing into the repository.
    const repository = join(registry.storage, 'docker', 'registry', 'v2', 'repositories', 'team', 'fresh');
    expect(await readdir(join(repository, '_layers')).catch((e: NodeJS.ErrnoException) => e.code)).toBe('ENOENT');
  });
});
