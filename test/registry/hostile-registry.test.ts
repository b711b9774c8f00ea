// Issue 18 item 7, remote half: whatever a registry answers, push, pull and ls end with a remote error (exit 5)
// that says what the registry did wrong, never with "a bug in ood" (exit 70), and pull writes nothing.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import type http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOodError, listTags, pullArtifact, pushArtifact } from '../../src/index.js';
import { writeTestArtifact } from '../helpers/artifact-zip.js';
import { startFakeRegistry, type FakeRegistry } from '../helpers/fake-registry.js';
import { startTamperProxy, type TamperProxy } from '../helpers/tamper-proxy.js';

const CLI = new URL('../../dist/src/cli/main.js', import.meta.url).pathname;
const options = {
  env: { HOME: '/nonexistent', DOCKER_CONFIG: '/nonexistent' },
  timeouts: { connectMs: 2_000, headersMs: 1_000, idleMs: 1_000 },
  retry: { retries: 1, baseMs: 5, maxMs: 10 },
  // The models are bytes of the test's own, not ONNX (model.format FAILS): push past that one check, by name.
  ignoreChecks: ['model.format'],
};

type Op = 'push' | 'pull' | 'ls';
interface Case {
  name: string;
  op: Op;
  method: string;
  path: RegExp;
  respond: (res: http.ServerResponse, self: string) => void;
  expected: RegExp;
}
const send = (status: number, body: string | Buffer, headers: Record<string, string> = {}) => {
  return (res: http.ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body);
  };
};
const manifestPath = /\/manifests\/1\.0$/;
const blobPath = /\/blobs\/sha256:/;

const CASES: Case[] = [
  {
    name: 'a blob redirect to file:///etc/passwd',
    op: 'pull',
    method: 'GET',
    path: blobPath,
    respond: send(307, '', { location: 'file:///etc/passwd' }),
    expected: /file: URL/,
  },
  {
    name: 'a tags list that is not JSON',
    op: 'ls',
    method: 'GET',
    path: /\/tags\/list/,
    respond: send(200, '<html>oops'),
    expected: /tags list with something that is not JSON/,
  },
  {
    name: 'a tags list whose tags are a number',
    op: 'ls',
    method: 'GET',
    path: /\/tags\/list/,
    respond: send(200, '{"name":"team/x","tags":5}'),
    expected: /"tags" is not a list of strings/,
  },
  {
    name: 'a Link to the next page that is not a URL',
    op: 'ls',
    method: 'GET',
    path: /\/tags\/list/,
    respond: send(200, '{"tags":["1.0"]}', { link: '<http://[::1>; rel="next"' }),
    expected: /next page of tags .* not a URL/,
  },
  {
    name: 'a manifest that is JSON null',
    op: 'pull',
    method: 'GET',
    path: manifestPath,
    respond: send(200, 'null'),
    expected: /not an ood artifact: schemaVersion/,
  },
  {
    name: 'a manifest whose layer digest climbs out of the blob store',
    op: 'pull',
    method: 'GET',
    path: manifestPath,
    respond: send(
      200,
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        artifactType: 'application/vnd.ood.artifact.v1',
        config: {},
        layers: [
          { mediaType: 'application/vnd.ood.artifact.zip-part.v1', digest: 'sha256:../../../dev/zero', size: 1 },
        ],
      }),
    ),
    expected: /bad digest or size|not an ood artifact/,
  },
  {
    name: 'a manifest of endless size',
    op: 'pull',
    method: 'GET',
    path: manifestPath,
    respond: send(200, Buffer.alloc(6 << 20, 0x20)),
    expected: /more than \d+ bytes/,
  },
  {
    name: 'a blob longer than its descriptor',
    op: 'pull',
    method: 'GET',
    path: blobPath,
    respond: send(200, Buffer.alloc(5_000_000, 1)),
    expected: /larger than its descriptor|wrong size|digest mismatch/,
  },
  {
    name: 'an upload Location that is not a URL',
    op: 'push',
    method: 'POST',
    path: /\/blobs\/uploads\/$/,
    respond: send(202, '', { location: 'http://[::1' }),
    expected: /Location for a new upload .* not a URL/,
  },
  {
    name: 'a token realm that is not a URL',
    op: 'ls',
    method: 'GET',
    path: /^\/v2\/$/,
    respond: send(401, '{}', { 'www-authenticate': 'Bearer realm="::nope::",service="x"' }),
    expected: /token service .* not a URL/,
  },
  {
    name: 'a token service that answers with a non-string token',
    op: 'ls',
    method: 'GET',
    path: /^\/v2\/|\/token/,
    respond: (res, self) => {
      if (res.req.url?.startsWith('/token')) return send(200, '{"token":{"a":1}}')(res);
      send(401, '{}', { 'www-authenticate': `Bearer realm="http://${self}/token",service="x"` })(res);
    },
    expected: /sent no token/,
  },
  {
    name: 'bytes that are not HTTP at all',
    op: 'pull',
    method: 'GET',
    path: manifestPath,
    respond: (res) => res.socket?.end('SSH-2.0-OpenSSH_9.2\r\n\r\n'),
    expected: /connection to the registry .* failed/,
  },
];

describe('a hostile registry', () => {
  let dir: string;
  let zip: string;
  let fresh: string;
  let registry: FakeRegistry;
  let proxy: TamperProxy | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ood-hostile-'));
    zip = join(dir, 'a.zip');
    await writeTestArtifact(zip, { model: Buffer.alloc(300_000, 7) });
    fresh = join(dir, 'fresh.zip');
    await writeTestArtifact(fresh, { model: Buffer.alloc(300_000, 9) });
    registry = await startFakeRegistry();
    await pushArtifact(zip, `${registry.host}/team/x:1.0`, options);
  });
  afterAll(async () => {
    await proxy?.close();
    await registry?.close();
    await rm(dir, { recursive: true, force: true });
  });

  for (const c of CASES) {
    it(`sending ${c.name} fails ${c.op} with a remote error (exit 5) that says so`, async () => {
      await proxy?.close();
      proxy = await startTamperProxy(registry.host, [
        { method: c.method, path: c.path, attack: { kind: 'respond', respond: c.respond } },
      ]);
      const ref = `${proxy.host}/team/${c.op === 'push' ? 'fresh' : 'x'}`;
      const outDir = join(dir, c.name.replace(/\W+/g, '-'));
      const run =
        c.op === 'push'
          ? pushArtifact(fresh, `${ref}:1.0`, options)
          : c.op === 'pull'
            ? pullArtifact(`${ref}:1.0`, join(outDir, 'out.zip'), options)
            : listTags(ref, options);
      const err = await run.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isOodError(err), String(err)).toBe(true);
      expect((err as { exitCode: number }).exitCode).toBe(5);
      expect((err as Error).message).toMatch(c.expected);
      expect(proxy.attacked.length).toBeGreaterThan(0);
      if (c.op === 'pull') expect(await readdir(outDir).catch(() => [])).toEqual([]);
    });
  }

  it('the CLI exits 5 with the message and a hint for a tags list that is not JSON', async () => {
    await proxy?.close();
    proxy = await startTamperProxy(registry.host, [
      { method: 'GET', path: /\/tags\/list/, attack: { kind: 'respond', respond: send(200, 'not json') } },
    ]);
    const r = await execa('node', [CLI, 'ls', `${proxy.host}/team/x`], { reject: false, env: options.env });
    expect(r.exitCode).toBe(5);
    expect(r.stderr).toMatch(/Error: registry .* not JSON/);
    expect(r.stderr).toMatch(/Hint: /);
  });
});
