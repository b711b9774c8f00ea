// Pulls large enough to hash on the sha256 thread (verified-file-writer.ts, from 32 MiB), against Debian's
// docker-registry, in both placements (pull picks one by the load; the test forces each): byte-identical output, a
// broken download resumed, a corrupted stored blob refused with nothing left behind.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullArtifact, pushArtifact } from '../../src/index.js';
import { repoRoot } from '../helpers/fixtures.js';
import { registryAvailable, startRegistry, storedBlobPath, type RunningRegistry } from '../helpers/registry-harness.js';
import { startTamperProxy, type TamperProxy } from '../helpers/tamper-proxy.js';

const available = registryAvailable();
const env = { HOME: '/nonexistent', DOCKER_CONFIG: '/nonexistent' };

const { writeBigModel } = (await import(join(repoRoot, 'bench', 'big-model.mjs'))) as {
  writeBigModel: (p: string, mb: number) => Promise<void>;
};
const CLI = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

describe.skipIf(!available).each(['thread', 'inline'] as const)('pulling a 40 MiB artifact, hashing %s', (hashing) => {
  let registry: RunningRegistry;
  let dir: string;
  let zip: string;
  let original: Buffer;
  let modelDigest: string;
  const proxies: TamperProxy[] = [];
  const options = { env, hashing };

  beforeAll(async () => {
    registry = await startRegistry();
    dir = await mkdtemp(join(tmpdir(), 'ood-threaded-pull-'));
    zip = join(dir, 'big.zip');
    // A real `ood prepare` artifact (push runs introspect's checks) around 40 MiB of high-entropy weights, so that
    // a block written or hashed out of place changes the digest.
    await writeBigModel(join(dir, 'model.onnx'), 40);
    execFileSync('node', [CLI, 'prepare', join(dir, 'model.onnx'), '-o', zip, '--no-introspect'], { stdio: 'ignore' });
    original = await readFile(zip);
    const pushed = await pushArtifact(zip, `${registry.host}/team/big:1.0`, { env });
    modelDigest = pushed.layers.find((l) => l.title === 'model.onnx')!.digest;
  }, 120_000);
  afterAll(async () => {
    for (const p of proxies) await p.close();
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the zip byte-identical to the one pushed', async () => {
    const out = join(dir, 'pulled.zip');
    const pulled = await pullArtifact(`${registry.host}/team/big:1.0`, out, options);
    expect(pulled.size).toBe(original.length);
    expect((await readFile(out)).equals(original)).toBe(true);
  });

  it('resumes a download broken off mid-block and still verifies every byte', async () => {
    const proxy = await startTamperProxy(registry.host, [
      {
        method: 'GET',
        path: new RegExp(`/blobs/${modelDigest}$`),
        times: 1,
        attack: { kind: 'reset-body', afterBytes: (13 << 20) + 12345 },
      },
    ]);
    proxies.push(proxy);
    const out = join(dir, 'resumed.zip');
    await pullArtifact(`${proxy.host}/team/big:1.0`, out, options);
    expect((await readFile(out)).equals(original)).toBe(true);
    expect(proxy.seen.some((l) => / range=bytes=\d+-$/.test(l))).toBe(true);
  });

  it('refuses a blob corrupted in the registry storage near its end, leaving no output and no temp file', async () => {
    const pushed = await pushArtifact(zip, `${registry.host}/team/corrupt:1.0`, { env });
    expect(pushed.layers.find((l) => l.title === 'model.onnx')!.digest).toBe(modelDigest);
    const path = storedBlobPath(registry.storage, modelDigest);
    const stored = await readFile(path);
    const damaged = Buffer.from(stored);
    damaged[damaged.length - 3] = damaged[damaged.length - 3]! ^ 0x01;
    await writeFile(path, damaged);
    const out = join(dir, 'out', 'corrupt.zip');
    try {
      await expect(pullArtifact(`${registry.host}/team/corrupt:1.0`, out, options)).rejects.toMatchObject({
        code: 'DIGEST_MISMATCH',
        message: expect.stringContaining(modelDigest),
      });
      expect(await readdir(join(dir, 'out'))).toEqual([]);
    } finally {
      await writeFile(path, stored);
    }
  });
});
