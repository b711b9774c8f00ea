// `ood push`, `ood pull` and `ood ls` end to end: the built CLI through execa against real registries.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTestArtifact } from '../helpers/artifact-zip.js';
import {
  makeTestCertificates,
  opensslAvailable,
  registryAvailable,
  startRegistry,
  type RunningRegistry,
} from '../helpers/registry-harness.js';

const CLI = new URL('../../dist/src/cli/main.js', import.meta.url).pathname;
const available = registryAvailable();

let dir: string;
let zip: string;
const env = () => ({
  OOD_HOME: join(dir, 'home'),
  DOCKER_CONFIG: join(dir, 'no-docker'),
  OOD_REGISTRY_USERNAME: '',
  OOD_REGISTRY_PASSWORD: '',
});
const ood = (args: string[], input?: string) => execa('node', [CLI, ...args], { env: env(), reject: false, input });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ood-cli-registry-'));
  zip = join(dir, 'digits.zip');
  await writeTestArtifact(zip);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the CLI with the local store', () => {
  it('push prints only the digest; pull writes the same bytes; ls shows the tag', async () => {
    const push = await ood(['push', zip, 'digits:1.0']);
    expect(push.exitCode).toBe(0);
    expect(push.stdout).toMatch(/^sha256:[a-f0-9]{64}$/);
    const out = join(dir, 'local.zip');
    const pull = await ood(['pull', 'digits:1.0', '-o', out]);
    expect(pull.exitCode).toBe(0);
    // Like push: only the digest on stdout, the note on stderr, which --quiet drops.
    expect(pull.stdout).toBe(push.stdout);
    expect(pull.stderr).toMatch(/^pulled digits:1\.0: wrote .*local\.zip \([\d.]+ KiB, verified\)$/);
    const quiet = await ood(['pull', 'digits:1.0', '-o', out, '--force', '--quiet']);
    expect([quiet.exitCode, quiet.stdout, quiet.stderr]).toEqual([0, push.stdout, '']);
    expect((await readFile(out)).equals(await readFile(zip))).toBe(true);
    const ls = await ood(['ls', 'digits']);
    expect(ls.stdout).toMatch(/^TAG\s+VERSION\s+CREATED\s+COMMIT\s+CERTAINTY\s+DIGEST/);
    expect(ls.stdout).toContain('1.0');
    expect(ls.stdout).toContain('0123456789ab');
    expect(ls.stdout).toContain('none');
  });

  it('rejects a malformed reference with a usage error (exit 2) and a hint', async () => {
    const run = await ood(['push', zip, 'Not A Ref']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('Error: invalid reference');
    expect(run.stderr).toContain('Hint:');
  });

  it('rejects a file that is not an artifact zip as bad input (exit 3)', async () => {
    const bogus = join(dir, 'bogus.zip');
    await writeFile(bogus, 'not a zip');
    const run = await ood(['push', bogus, 'digits:9']);
    expect(run.exitCode).toBe(3);
    expect(run.stderr).toContain('is not a readable zip archive');
  });

  it('reports an unreachable registry as a remote failure (exit 5) naming the host', async () => {
    const run = await ood(['push', zip, '127.0.0.1:1/team/digits:1.0']);
    expect(run.exitCode).toBe(5);
    expect(run.stderr).toContain('cannot reach the registry 127.0.0.1:1');
  });

  it('refuses to overwrite an existing pull output without --force (exit 2)', async () => {
    const run = await ood(['pull', 'digits:1.0', '-o', zip]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('--force');
  });
});

describe.skipIf(!available)('the CLI with a registry that wants basic auth', () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: true });
  });
  afterAll(async () => registry?.stop());

  it('fails without credentials with exit 5, the registry code and a login hint', async () => {
    const run = await ood(['push', zip, `${registry.host}/team/digits:1.0`]);
    expect(run.exitCode).toBe(5);
    expect(run.stderr).toMatch(/^Error: registry 127\.0\.0\.1:\d+ answered 401 UNAUTHORIZED/);
    expect(run.stderr).toContain('Hint: Log in');
  });

  it('pushes with --username and --password-stdin, lists with --json and pulls by digest', async () => {
    const creds = ['--username', registry.credentials!.username, '--password-stdin'];
    const push = await ood(
      ['push', zip, `${registry.host}/team/digits:1.0`, ...creds, '--json'],
      `${registry.credentials!.password}\n`,
    );
    expect(push.exitCode, push.stderr).toBe(0);
    const pushed = JSON.parse(push.stdout);
    expect(pushed.layers.some((l: { title?: string }) => l.title === 'model.onnx')).toBe(true);
    const ls = await ood(['ls', `${registry.host}/team/digits`, ...creds, '--json'], registry.credentials!.password);
    expect(JSON.parse(ls.stdout).tags).toEqual([
      expect.objectContaining({ tag: '1.0', digest: pushed.digest, version: '1.0' }),
    ]);
    const out = join(dir, 'remote.zip');
    const pull = await ood(
      ['pull', `${registry.host}/team/digits@${pushed.digest}`, '-o', out, ...creds],
      registry.credentials!.password,
    );
    expect(pull.exitCode, pull.stderr).toBe(0);
    expect((await readFile(out)).equals(await readFile(zip))).toBe(true);
  });
});

describe.skipIf(!available || !opensslAvailable())('the CLI with a TLS registry', () => {
  let registry: RunningRegistry;
  let certs: { ca: string; cert: string; key: string };
  beforeAll(async () => {
    certs = await makeTestCertificates(dir);
    registry = await startRegistry({ tls: { cert: certs.cert, key: certs.key } });
  });
  afterAll(async () => registry?.stop());

  it('trusts the registry with --ca-file and round-trips over HTTPS', async () => {
    const push = await ood(['push', zip, `${registry.host}/team/digits:1.0`, '--ca-file', certs.ca]);
    expect(push.exitCode, push.stderr).toBe(0);
    const out = join(dir, 'tls.zip');
    const pull = await ood(['pull', `${registry.host}/team/digits:1.0`, '-o', out, '--ca-file', certs.ca]);
    expect(pull.exitCode, pull.stderr).toBe(0);
    expect((await readFile(out)).equals(await readFile(zip))).toBe(true);
  });

  it('refuses an untrusted certificate with a --ca-file hint (exit 5)', async () => {
    const run = await ood(['push', zip, `${registry.host}/team/digits:1.0`, '--no-plain-http']);
    expect(run.exitCode).toBe(5);
    expect(run.stderr).toContain('Hint: Pass --ca-file');
  });
});
