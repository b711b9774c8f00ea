// Protocol corners that Debian's registry does not exercise, against a small fake registry on loopback.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTags, pullArtifact, pushArtifact } from '../../src/index.js';
import { writeTestArtifact } from '../helpers/artifact-zip.js';
import { startFakeRegistry, type FakeRegistry } from '../helpers/fake-registry.js';

let dir: string;
let zip: string;
const noEnv = { HOME: '/nonexistent', DOCKER_CONFIG: '/nonexistent' };
// The model is bytes of the test's own, not ONNX (model.format FAILS): push past that one check, by name.
const chunked = { env: noEnv, monolithicLimit: 64 * 1024, chunkSize: 64 * 1024, ignoreChecks: ['model.format'] };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ood-fake-'));
  zip = join(dir, 'big.zip');
  const model = Buffer.alloc(400_000);
  for (let i = 0; i < model.length; i++) model[i] = (i * 7919) & 0xff;
  await writeTestArtifact(zip, { model });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function roundTrip(registry: FakeRegistry, options: Record<string, unknown> = chunked): Promise<void> {
  await pushArtifact(zip, `${registry.host}/team/big:1.0`, options);
  const out = join(dir, `out-${Math.random()}.zip`);
  await pullArtifact(`${registry.host}/team/big:1.0`, out, options);
  expect((await readFile(out)).equals(await readFile(zip))).toBe(true);
}

describe('uploads against a registry with odd behaviour', () => {
  it('follows relative upload Locations that change after every chunk (a stale one is refused)', async () => {
    const registry = await startFakeRegistry();
    try {
      await roundTrip(registry);
      const patches = registry.requests.filter((r) => r.method === 'PATCH');
      expect(patches.length).toBeGreaterThan(3);
      expect(new Set(patches.map((p) => p.url)).size).toBe(patches.length);
    } finally {
      await registry.close();
    }
  });

  it('resumes from the Range the registry reports when it keeps only part of each chunk', async () => {
    const registry = await startFakeRegistry({ acceptFraction: 0.37 });
    try {
      await roundTrip(registry);
    } finally {
      await registry.close();
    }
  });

  it('recovers from a 416 on an out-of-order chunk by asking the upload status and continuing from there', async () => {
    const registry = await startFakeRegistry({ refuseFirstPatch: true });
    try {
      await roundTrip(registry);
      expect(registry.requests.some((r) => r.method === 'GET' && r.url.includes('/blobs/uploads/'))).toBe(true);
    } finally {
      await registry.close();
    }
  });
});

describe('the bearer token flow', () => {
  let registry: FakeRegistry;
  beforeAll(async () => {
    registry = await startFakeRegistry({ bearer: { username: 'robot', password: 's3cret' } });
  });
  afterAll(async () => registry?.close());

  it('fetches a token for pull,push on the repository with basic credentials and pushes and pulls with it', async () => {
    await roundTrip(registry, { ...chunked, username: 'robot', password: 's3cret' });
    expect(registry.tokenScopes).toContain('repository:team/big:pull,push');
    expect(registry.tokenScopes).toContain('repository:team/big:pull');
  });

  it('reports a refused token request as a remote error with a credentials hint', async () => {
    await expect(
      pushArtifact(zip, `${registry.host}/team/big:1.0`, { ...chunked, username: 'robot', password: 'nope' }),
    ).rejects.toMatchObject({
      code: 'AUTH_TOKEN_DENIED',
      kind: 'remote',
      hint: expect.stringContaining('--password-stdin'),
    });
  });
});

describe('a registry that denies the push', () => {
  it("shows the registry's DENIED code with a permission hint (remote, exit 5)", async () => {
    const registry = await startFakeRegistry({ denyManifestPush: true });
    try {
      await expect(pushArtifact(zip, `${registry.host}/team/big:1.0`, chunked)).rejects.toMatchObject({
        code: 'REGISTRY_DENIED',
        kind: 'remote',
        exitCode: 5,
        message: expect.stringMatching(/answered 403 DENIED: requested access to the resource is denied/),
        hint: expect.stringContaining('lacks permission for team/big'),
      });
    } finally {
      await registry.close();
    }
  });
});

describe('listing tags page by page', () => {
  it('follows relative Link headers until the last page', async () => {
    const registry = await startFakeRegistry();
    try {
      const small = join(dir, 'small.zip');
      await writeTestArtifact(small);
      for (const tag of ['e', 'a', 'd', 'b', 'c'])
        await pushArtifact(small, `${registry.host}/team/paged:${tag}`, { env: noEnv });
      const { tags } = await listTags(`${registry.host}/team/paged`, { env: noEnv, tagPageSize: 2 });
      expect(tags.map((t) => t.tag)).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect(registry.requests.filter((r) => r.url.includes('/tags/list')).map((r) => r.url)).toEqual([
        '/v2/team/paged/tags/list?n=2',
        '/v2/team/paged/tags/list?n=2&last=b',
        '/v2/team/paged/tags/list?n=2&last=d',
      ]);
    } finally {
      await registry.close();
    }
  });
});
