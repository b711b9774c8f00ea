// Basic auth against a real registry: docker-registry with an htpasswd (bcrypt) file.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTags, pullArtifact, pushArtifact } from '../../src/index.js';
import { writeTestArtifact } from '../helpers/artifact-zip.js';
import { registryAvailable, startRegistry, type RunningRegistry } from '../helpers/registry-harness.js';

const available = registryAvailable();

describe.skipIf(!available)('a registry with htpasswd basic auth', () => {
  let registry: RunningRegistry;
  let dir: string;
  let zip: string;
  const noEnv = { HOME: '/nonexistent', DOCKER_CONFIG: '/nonexistent' };

  beforeAll(async () => {
    registry = await startRegistry({ auth: true });
    dir = await mkdtemp(join(tmpdir(), 'ood-auth-'));
    zip = join(dir, 'digits.zip');
    await writeTestArtifact(zip);
  });
  afterAll(async () => {
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("refuses an anonymous push with the registry's UNAUTHORIZED code and a login hint", async () => {
    const err = await pushArtifact(zip, `${registry.host}/team/digits:1.0`, { env: noEnv }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'REGISTRY_UNAUTHORIZED', kind: 'remote', exitCode: 5 });
    expect((err as Error).message).toContain('UNAUTHORIZED');
    expect((err as { hint: string }).hint).toContain('--password-stdin');
  });

  it('rejects a wrong password', async () => {
    await expect(
      pushArtifact(zip, `${registry.host}/team/digits:1.0`, { env: noEnv, username: 'ood', password: 'wrong' }),
    ).rejects.toMatchObject({ code: 'REGISTRY_UNAUTHORIZED' });
  });

  it('pushes and pulls with credentials given as options (the --username/--password-stdin path)', async () => {
    const creds = { env: noEnv, ...registry.credentials! };
    const pushed = await pushArtifact(zip, `${registry.host}/team/digits:1.0`, creds);
    const out = join(dir, 'flags.zip');
    const pulled = await pullArtifact(`${registry.host}/team/digits:1.0`, out, creds);
    expect(pulled.digest).toBe(pushed.digest);
    expect((await readFile(out)).equals(await readFile(zip))).toBe(true);
  });

  it('takes credentials from OOD_REGISTRY_USERNAME and OOD_REGISTRY_PASSWORD', async () => {
    const env = {
      ...noEnv,
      OOD_REGISTRY_USERNAME: registry.credentials!.username,
      OOD_REGISTRY_PASSWORD: registry.credentials!.password,
    };
    await pushArtifact(zip, `${registry.host}/team/env:1.0`, { env });
    const { tags } = await listTags(`${registry.host}/team/env`, { env });
    expect(tags.map((t) => t.tag)).toEqual(['1.0']);
  });

  it("takes credentials from docker's config.json auths entry for the host", async () => {
    const dockerDir = join(dir, 'docker');
    await mkdir(dockerDir, { recursive: true });
    const { username, password } = registry.credentials!;
    const auth = Buffer.from(`${username}:${password}`).toString('base64');
    await writeFile(join(dockerDir, 'config.json'), JSON.stringify({ auths: { [registry.host]: { auth } } }));
    const env = { HOME: '/nonexistent', DOCKER_CONFIG: dockerDir };
    await pushArtifact(zip, `${registry.host}/team/docker:1.0`, { env });
    const out = join(dir, 'docker.zip');
    await pullArtifact(`${registry.host}/team/docker:1.0`, out, { env });
    expect((await readFile(out)).equals(await readFile(zip))).toBe(true);
  });
});
