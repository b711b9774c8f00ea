// The local store: an OCI image layout under $OOD_HOME/registry, used for references without a host.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTags, pullArtifact, pushArtifact } from '../../src/index.js';
import { writeTestArtifact } from '../helpers/artifact-zip.js';

const CLI = new URL('../../dist/src/cli/main.js', import.meta.url).pathname;

describe('the local OCI image layout', () => {
  let dir: string;
  let zip: string;
  let env: NodeJS.ProcessEnv;
  let root: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ood-layout-'));
    zip = join(dir, 'digits.zip');
    await writeTestArtifact(zip);
    env = { OOD_HOME: join(dir, 'home') };
    root = join(dir, 'home', 'registry');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips an artifact byte-identically through $OOD_HOME/registry', async () => {
    const pushed = await pushArtifact(zip, 'digits:1.0', { env });
    const out = join(dir, 'out.zip');
    const pulled = await pullArtifact('digits:1.0', out, { env });
    expect(pulled.digest).toBe(pushed.digest);
    expect((await readFile(out)).equals(await readFile(zip))).toBe(true);
    const byDigest = join(dir, 'out-digest.zip');
    await pullArtifact(`digits@${pushed.digest}`, byDigest, { env });
    expect((await readFile(byDigest)).equals(await readFile(zip))).toBe(true);
  });

  it('writes a valid layout: oci-layout, index.json with ref.name, and blobs named by their digest', async () => {
    const layout = JSON.parse(await readFile(join(root, 'oci-layout'), 'utf8'));
    expect(layout).toEqual({ imageLayoutVersion: '1.0.0' });
    const index = JSON.parse(await readFile(join(root, 'index.json'), 'utf8'));
    expect(index.schemaVersion).toBe(2);
    expect(index.manifests.map((m: any) => m.annotations['org.opencontainers.image.ref.name'])).toContain('digits:1.0');
    for (const name of await readdir(join(root, 'blobs', 'sha256'))) {
      const hex = createHash('sha256')
        .update(await readFile(join(root, 'blobs', 'sha256', name)))
        .digest('hex');
      expect(hex).toBe(name);
    }
  });

  it('stores nothing new when the same artifact is pushed again, and keeps one index entry per tag', async () => {
    const before = (await readdir(join(root, 'blobs', 'sha256'))).length;
    const again = await pushArtifact(zip, 'digits:1.0', { env });
    expect(again.stats.blobsUploaded).toBe(0);
    expect((await readdir(join(root, 'blobs', 'sha256'))).length).toBe(before);
    const index = JSON.parse(await readFile(join(root, 'index.json'), 'utf8'));
    expect(
      index.manifests.filter((m: any) => m.annotations['org.opencontainers.image.ref.name'] === 'digits:1.0'),
    ).toHaveLength(1);
  });

  it('keeps index.json whole when several processes push at the same time', async () => {
    const tags = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'];
    const runs = await Promise.all(
      tags.map((tag) =>
        execa('node', [CLI, 'push', zip, `concurrent:${tag}`], { env: { ...process.env, ...env }, reject: false }),
      ),
    );
    for (const run of runs) expect(run.stderr).not.toContain('Error');
    expect(runs.map((r) => r.exitCode)).toEqual(tags.map(() => 0));
    const index = JSON.parse(await readFile(join(root, 'index.json'), 'utf8'));
    const names = index.manifests.map((m: any) => m.annotations['org.opencontainers.image.ref.name']);
    for (const tag of tags) expect(names).toContain(`concurrent:${tag}`);
    expect(names).toContain('digits:1.0');
    expect((await listTags('concurrent', { env })).tags.map((t) => t.tag)).toEqual(tags);
  });

  it('fails with a digest error when a stored blob was corrupted, and writes no output', async () => {
    const pushed = await pushArtifact(zip, 'corrupt:1.0', { env });
    const model = pushed.layers.find((l) => l.title === 'model.onnx')!;
    const path = join(root, 'blobs', 'sha256', model.digest.slice(7));
    const bytes = await readFile(path);
    bytes[10] = bytes[10]! ^ 0x01;
    await writeFile(path, bytes);
    const out = join(dir, 'corrupt.zip');
    await expect(pullArtifact('corrupt:1.0', out, { env })).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
    await expect(readFile(out)).rejects.toMatchObject({ code: 'ENOENT' });
    bytes[10] = bytes[10]! ^ 0x01;
    await writeFile(path, bytes);
  });

  it('says which tag is missing and how to list the tags', async () => {
    await expect(pullArtifact('digits:9.9', join(dir, 'x.zip'), { env })).rejects.toMatchObject({
      code: 'LOCAL_STORE_NOT_FOUND',
      hint: expect.stringContaining('ood ls digits'),
    });
  });

  it('refuses to overwrite an existing output unless forced', async () => {
    const out = join(dir, 'exists.zip');
    await writeFile(out, 'keep me');
    await expect(pullArtifact('digits:1.0', out, { env })).rejects.toMatchObject({ code: 'OUTPUT_EXISTS' });
    expect(await readFile(out, 'utf8')).toBe('keep me');
    await pullArtifact('digits:1.0', out, { env, force: true });
    expect((await readFile(out)).equals(await readFile(zip))).toBe(true);
  });
});
