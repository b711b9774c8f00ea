// Push and pull against a real registry: Debian's docker-registry (distribution 2.8) on loopback.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTags, pullArtifact, pushArtifact } from '../../src/index.js';
import { writeTestArtifact } from '../helpers/artifact-zip.js';
import { startCountingProxy, type CountingProxy } from '../helpers/counting-proxy.js';
import { registryAvailable, startRegistry, storedBlobPath, type RunningRegistry } from '../helpers/registry-harness.js';

const available = registryAvailable();

describe.skipIf(!available)('a registry without auth', () => {
  let registry: RunningRegistry;
  let proxy: CountingProxy;
  let dir: string;
  let zip: string;

  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await startCountingProxy(registry.host);
    dir = await mkdtemp(join(tmpdir(), 'ood-remote-'));
    zip = join(dir, 'digits.zip');
    await writeTestArtifact(zip);
  });
  afterAll(async () => {
    await proxy?.close();
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('pulls back a zip byte-identical to the one pushed, by tag and by digest', async () => {
    const pushed = await pushArtifact(zip, `${registry.host}/team/digits:1.0`);
    expect(pushed.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    const byTag = await pullArtifact(`${registry.host}/team/digits:1.0`, join(dir, 'by-tag.zip'));
    const byDigest = await pullArtifact(`${registry.host}/team/digits@${pushed.digest}`, join(dir, 'by-digest.zip'));
    const original = await readFile(zip);
    expect((await readFile(join(dir, 'by-tag.zip'))).equals(original)).toBe(true);
    expect((await readFile(join(dir, 'by-digest.zip'))).equals(original)).toBe(true);
    expect(byTag.digest).toBe(pushed.digest);
    expect(byDigest.digest).toBe(pushed.digest);
  });

  it('uploads nothing on a second push of the same artifact (counted on the wire)', async () => {
    const ref = `${proxy.host}/team/again:1.0`;
    const first = await pushArtifact(zip, ref);
    const before = proxy.requests.length;
    const second = await pushArtifact(zip, ref);
    const wire = proxy.requests.slice(before);
    expect(second.digest).toBe(first.digest);
    expect(wire.filter((r) => r.method === 'POST' || r.method === 'PATCH')).toEqual([]);
    const bodyBytes = wire
      .filter((r) => r.method !== 'PUT' || !r.path.includes('/manifests/'))
      .reduce((n, r) => n + r.bodyBytes, 0);
    expect(bodyBytes).toBe(0);
    expect(second.stats.blobsUploaded).toBe(0);
    expect(second.layers.every((l) => !l.uploaded)).toBe(true);
  });

  it('uploads no model bytes for a new version whose model did not change', async () => {
    const v2 = join(dir, 'digits-v2.zip');
    await writeTestArtifact(v2, {
      version: '2.0',
      createdAt: '2026-03-04T05:06:07Z',
      gitCommit: 'fedcba9876543210fedcba9876543210fedcba98',
    });
    const v1 = await pushArtifact(zip, `${proxy.host}/team/dedup:1.0`);
    const v2Push = await pushArtifact(v2, `${proxy.host}/team/dedup:2.0`);
    expect(v2Push.digest).not.toBe(v1.digest);
    const model = v2Push.layers.find((l) => l.title === 'model.onnx');
    expect(model?.uploaded).toBe(false);
    expect(model?.digest).toBe(v1.layers.find((l) => l.title === 'model.onnx')?.digest);
    const modelSize = model?.size ?? 0;
    expect(v2Push.stats.bytesUploaded).toBeLessThan(modelSize);
    expect((await readFile(v2)).equals(await readFile(zip))).toBe(false);
    await pullArtifact(`${registry.host}/team/dedup:2.0`, join(dir, 'v2-pulled.zip'));
    expect((await readFile(join(dir, 'v2-pulled.zip'))).equals(await readFile(v2))).toBe(true);
  });

  it('lists tags with their version, creation time, commit and certainty method', async () => {
    await pushArtifact(zip, `${registry.host}/team/listed:1.0`);
    const v3 = join(dir, 'digits-v3.zip');
    await writeTestArtifact(v3, { version: '3.0', gitCommit: null });
    await pushArtifact(v3, `${registry.host}/team/listed:3.0`);
    const { tags } = await listTags(`${registry.host}/team/listed`);
    expect(tags.map((t) => t.tag)).toEqual(['1.0', '3.0']);
    expect(tags[0]).toMatchObject({
      name: 'digits',
      version: '1.0',
      created: '2026-01-02T03:04:05Z',
      revision: '0123456789abcdef0123456789abcdef01234567',
      certaintyMethod: 'none',
    });
    expect(tags[1]?.revision).toBeUndefined();
  });

  it('fails with a digest error when a blob was corrupted inside the registry storage, and writes no output', async () => {
    const pushed = await pushArtifact(zip, `${registry.host}/team/corrupt:1.0`);
    const model = pushed.layers.find((l) => l.title === 'model.onnx')!;
    const path = storedBlobPath(registry.storage, model.digest);
    const bytes = await readFile(path);
    bytes[100] = bytes[100]! ^ 0xff;
    await writeFile(path, bytes);
    const out = join(dir, 'corrupt.zip');
    await expect(pullArtifact(`${registry.host}/team/corrupt:1.0`, out)).rejects.toMatchObject({
      code: 'DIGEST_MISMATCH',
      kind: 'remote',
    });
    await expect(readFile(out)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it("reports the registry's own error code for an unknown tag, with a hint", async () => {
    await expect(pullArtifact(`${registry.host}/team/digits:nope`, join(dir, 'nope.zip'))).rejects.toMatchObject({
      kind: 'remote',
      code: 'REGISTRY_NOT_FOUND',
      message: expect.stringContaining('MANIFEST_UNKNOWN'),
      hint: expect.stringContaining('ood ls'),
    });
  });
});

describe.skipIf(!available)('chunked uploads to a real registry', () => {
  let registry: RunningRegistry;
  let dir: string;

  beforeAll(async () => {
    registry = await startRegistry();
    dir = await mkdtemp(join(tmpdir(), 'ood-chunked-'));
  });
  afterAll(async () => {
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('uploads a blob larger than the monolithic limit in PATCH chunks and pulls it back intact', async () => {
    const zip = join(dir, 'big.zip');
    const model = Buffer.alloc(3 * 1024 * 1024 + 12345);
    for (let i = 0; i < model.length; i++) model[i] = (i * 2654435761) >>> 24;
    await writeTestArtifact(zip, {
      model,
      externalData: [{ name: 'model.onnx.data', bytes: model.subarray(0, 1_500_001) }],
    });
    const proxy = await startCountingProxy(registry.host);
    try {
      const pushed = await pushArtifact(zip, `${proxy.host}/team/big:1.0`, {
        monolithicLimit: 1 << 20,
        chunkSize: 1 << 20,
        ignoreChecks: ['model.format'], // the model is bytes of the test's own, not ONNX
      });
      const patches = proxy.requests.filter((r) => r.method === 'PATCH');
      expect(patches.length).toBeGreaterThanOrEqual(4 + 2);
      expect(patches.every((p) => p.bodyBytes <= 1 << 20)).toBe(true);
      expect(pushed.layers.map((l) => l.title).filter(Boolean)).toEqual(['model.onnx', 'model.onnx.data']);
    } finally {
      await proxy.close();
    }
    const out = join(dir, 'big-pulled.zip');
    await pullArtifact(`${registry.host}/team/big:1.0`, out);
    expect((await readFile(out)).equals(await readFile(zip))).toBe(true);
  });
});

describe.skipIf(!available)('listing a repository that does not exist', () => {
  it("reports the registry's NAME_UNKNOWN with a hint about the repository name", async () => {
    const registry = await startRegistry();
    try {
      await expect(listTags(`${registry.host}/team/never-pushed`)).rejects.toMatchObject({
        code: 'REGISTRY_NOT_FOUND',
        message: expect.stringContaining('NAME_UNKNOWN'),
        hint: expect.stringContaining('does not exist'),
      });
    } finally {
      await registry.stop();
    }
  });
});
