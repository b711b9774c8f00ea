// Where credentials come from, and how auth challenges are read.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseChallenge } from '../../src/registry/auth-challenge.js';
import { resolveCredentials } from '../../src/registry/credentials.js';

describe('registry credentials', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ood-creds-'));
    await writeFile(
      join(dir, 'config.json'),
      JSON.stringify({
        auths: {
          'reg.example.com': { auth: Buffer.from('docker-user:pa:ss').toString('base64') },
          'https://other.example.com': { username: 'u2', password: 'p2' },
        },
      }),
    );
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('prefers flags, then environment variables, then docker config.json', async () => {
    const env = { DOCKER_CONFIG: dir, OOD_REGISTRY_USERNAME: 'env-user', OOD_REGISTRY_PASSWORD: 'env-pass' };
    expect(
      await resolveCredentials('reg.example.com', { username: 'flag-user', password: 'flag-pass' }, env),
    ).toMatchObject({ username: 'flag-user', source: 'flags' });
    expect(await resolveCredentials('reg.example.com', {}, env)).toMatchObject({
      username: 'env-user',
      password: 'env-pass',
      source: 'environment',
    });
    expect(await resolveCredentials('reg.example.com', {}, { DOCKER_CONFIG: dir })).toEqual({
      username: 'docker-user',
      password: 'pa:ss',
      source: 'docker-config',
    });
  });

  it('matches docker config entries written with a scheme, and finds nothing for unknown hosts', async () => {
    expect(await resolveCredentials('other.example.com', {}, { DOCKER_CONFIG: dir })).toMatchObject({
      username: 'u2',
      password: 'p2',
    });
    expect(await resolveCredentials('unknown.example.com', {}, { DOCKER_CONFIG: dir })).toBeUndefined();
    expect(await resolveCredentials('reg.example.com', {}, { DOCKER_CONFIG: join(dir, 'missing') })).toBeUndefined();
  });

  it('combines --password-stdin with a username from the environment', async () => {
    expect(
      await resolveCredentials(
        'x.example.com',
        { password: 'from-stdin' },
        { OOD_REGISTRY_USERNAME: 'me', DOCKER_CONFIG: dir },
      ),
    ).toMatchObject({ username: 'me', password: 'from-stdin' });
  });
});

describe('WWW-Authenticate challenges', () => {
  it('reads a bearer challenge with quoted realm, service and scope', () => {
    expect(
      parseChallenge(
        'Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:team/digits:pull"',
      ),
    ).toEqual({
      scheme: 'bearer',
      params: {
        realm: 'https://auth.example.com/token',
        service: 'registry.example.com',
        scope: 'repository:team/digits:pull',
      },
    });
  });

  it('reads a basic challenge and unquoted values', () => {
    expect(parseChallenge('Basic realm="ood-test"')).toEqual({ scheme: 'basic', params: { realm: 'ood-test' } });
    expect(parseChallenge('Bearer realm=https://a/token,service=svc')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://a/token', service: 'svc' },
    });
  });
});
