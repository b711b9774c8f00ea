// docker credential helpers (credsStore, credHelpers) run as docker runs them: `docker-credential-<name> get`
// with the server URL on stdin. Real helper programs on PATH, against docker-registry's htpasswd auth and the
// fake registry's token service (for a helper's identity token).
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTags, pullArtifact, pushArtifact } from '../../src/index.js';
import { resolveCredentials } from '../../src/registry/credentials.js';
import { writeTestArtifact } from '../helpers/artifact-zip.js';
import { startFakeRegistry } from '../helpers/fake-registry.js';
import { registryAvailable, startRegistry, type RunningRegistry } from '../helpers/registry-harness.js';

let dir: string;
let bin: string;
let zip: string;

/** A helper that knows one server URL and logs every request it gets. */
async function writeHelper(name: string, serverUrl: string, username: string, secret: string): Promise<void> {
  const path = join(bin, `docker-credential-${name}`);
  const reply = JSON.stringify({ ServerURL: serverUrl, Username: username, Secret: secret });
  await writeFile(
    path,
    `#!/bin/sh\nread -r url\necho "$1 $url" >> "${join(dir, `${name}.log`)}"\n` +
      `if [ "$1" = get ] && [ "$url" = "${serverUrl}" ]; then echo '${reply}'; exit 0; fi\n` +
      `echo "credentials not found in native keychain"; exit 1\n`,
  );
  await chmod(path, 0o755);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ood-helpers-'));
  bin = join(dir, 'bin');
  await import('node:fs/promises').then((fs) => fs.mkdir(bin));
  zip = join(dir, 'digits.zip');
  await writeTestArtifact(zip);
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

function envWith(config: object, name: string): NodeJS.ProcessEnv {
  const configDir = join(dir, `config-${name}`);
  return {
    PATH: `${bin}:${process.env.PATH}`,
    DOCKER_CONFIG: configDir,
    HOME: '/nonexistent',
    CONFIG: JSON.stringify(config),
  };
}
async function saveConfig(env: NodeJS.ProcessEnv): Promise<void> {
  await import('node:fs/promises').then((fs) => fs.mkdir(env.DOCKER_CONFIG!, { recursive: true }));
  await writeFile(join(env.DOCKER_CONFIG!, 'config.json'), env.CONFIG!);
}

describe('docker credential helpers', () => {
  it('prefer credHelpers for the host over credsStore, over auths, as docker does', async () => {
    await writeHelper('store', 'reg.example.com', 'store-user', 'store-pass');
    await writeHelper('special', 'reg.example.com', 'special-user', 'special-pass');
    const env = envWith(
      {
        auths: { 'reg.example.com': { auth: Buffer.from('file-user:file-pass').toString('base64') } },
        credsStore: 'store',
        credHelpers: { 'reg.example.com': 'special' },
      },
      'precedence',
    );
    await saveConfig(env);
    expect(await resolveCredentials('reg.example.com', {}, env)).toMatchObject({
      username: 'special-user',
      password: 'special-pass',
      source: 'credential-helper',
    });
    expect(await resolveCredentials('other.example.com', {}, env)).toBeUndefined();
    expect(await readFile(join(dir, 'store.log'), 'utf8')).toBe('get other.example.com\n');
  });

  it('name a missing helper program and how to fix it (exit 3)', async () => {
    const env = envWith({ credsStore: 'nonexistent-helper' }, 'missing');
    await saveConfig(env);
    await expect(resolveCredentials('reg.example.com', {}, env)).rejects.toMatchObject({
      code: 'CREDENTIAL_HELPER_MISSING',
      exitCode: 3,
      message: expect.stringContaining('docker-credential-nonexistent-helper'),
    });
  });

  it("exchange a helper's identity token with the refresh-token grant and push and pull with it", async () => {
    const registry = await startFakeRegistry({ bearer: { refreshToken: 'refresh-me' } });
    try {
      await writeHelper('idtoken', registry.host, '<token>', 'refresh-me');
      const env = envWith({ credHelpers: { [registry.host]: 'idtoken' } }, 'idtoken');
      await saveConfig(env);
      await pushArtifact(zip, `${registry.host}/team/digits:1.0`, { env });
      const out = join(dir, 'idtoken.zip');
      await pullArtifact(`${registry.host}/team/digits:1.0`, out, { env });
      expect((await readFile(out)).equals(await readFile(zip))).toBe(true);
      expect(registry.tokenScopes).toContain('repository:team/digits:pull,push');
      const without = envWith({}, 'no-idtoken');
      await saveConfig(without);
      await expect(listTags(`${registry.host}/team/digits`, { env: without })).rejects.toMatchObject({
        code: 'AUTH_TOKEN_DENIED',
        exitCode: 5,
      });
    } finally {
      await registry.close();
    }
  });
});

describe.skipIf(!registryAvailable())('a credsStore helper with docker-registry', () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: true });
  });
  afterAll(async () => registry?.stop());

  it('logs in with what the helper returns, and without it the registry refuses (exit 5)', async () => {
    const { username, password } = registry.credentials!;
    await writeHelper('oodtest', registry.host, username, password);
    const env = envWith({ auths: { [registry.host]: {} }, credsStore: 'oodtest' }, 'registry');
    await saveConfig(env);
    await pushArtifact(zip, `${registry.host}/team/digits:1.0`, { env });
    const out = join(dir, 'helper.zip');
    await pullArtifact(`${registry.host}/team/digits:1.0`, out, { env });
    expect((await readFile(out)).equals(await readFile(zip))).toBe(true);
    const anonymous = envWith({}, 'anonymous');
    await saveConfig(anonymous);
    await expect(
      pullArtifact(`${registry.host}/team/digits:1.0`, join(dir, 'anon.zip'), { env: anonymous }),
    ).rejects.toMatchObject({
      exitCode: 5,
    });
  });
});
