// Commands that take an artifact also take a registry reference, as a user would type it: `ood serve HOST/NAME:TAG`,
// `ood introspect NAME:TAG`, `ood evaluate NAME@sha256:…`. The reference is pulled once into a cache keyed by the
// manifest digest ($OOD_HOME/cache/artifacts), a moved tag is followed, and text that is neither an existing path
// nor a reference says so. Built CLI through execa, a real docker-registry, real onnxruntime behind serve.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtures } from '../helpers/fixtures.js';
import { registryAvailable, startRegistry, type RunningRegistry } from '../helpers/registry-harness.js';

const CLI = new URL('../../dist/src/cli/main.js', import.meta.url).pathname;
const available = registryAvailable();
let dir: string;
let zip: string;
let other: string;
let registry: RunningRegistry | undefined;
const env = () => ({ OOD_HOME: join(dir, 'home'), DOCKER_CONFIG: join(dir, 'no-docker') });
const ood = (...args: string[]) => execa('node', [CLI, ...args], { env: env(), reject: false, timeout: 120_000 });
const sha256 = async (path: string) =>
  `sha256:${createHash('sha256')
    .update(await readFile(path))
    .digest('hex')}`;
const cacheDir = () => join(dir, 'home', 'cache', 'artifacts', 'sha256');

async function run(...args: string[]): Promise<void> {
  const r = await ood(...args);
  if (r.exitCode !== 0) throw new Error(`ood ${args.join(' ')} exited ${r.exitCode}: ${r.stderr}`);
}

// Two real, certainty-enabled artifacts of the digits model that differ only in their version (two digests).
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ood-refs-'));
  const enabled = join(dir, 'enabled.onnx');
  await run('enable', fixtures.digits.model, '-o', enabled, '--data', fixtures.digits.idTrain, '--quiet');
  zip = join(dir, 'digits.zip');
  other = join(dir, 'digits-2.zip');
  await run('prepare', enabled, '-o', zip, '--name', 'digits', '--model-version', '1.0.0', '--no-introspect');
  await run('prepare', enabled, '-o', other, '--name', 'digits', '--model-version', '2.0.0', '--no-introspect');
  if (available) registry = await startRegistry();
}, 120_000);
afterAll(async () => {
  await registry?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!available)('an artifact argument that is a registry reference', () => {
  it('introspects HOST/NAME:TAG by pulling it once into the digest-keyed cache, the second time from the cache', async () => {
    const ref = `${registry!.host}/team/digits:1.0`;
    const push = await ood('push', zip, ref);
    expect(push.exitCode, push.stderr).toBe(0);
    const digest = push.stdout.trim();
    const first = await ood('introspect', ref);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^OK: \d+ passed, 0 failed/m);
    expect(first.stderr).toContain(`pulled ${ref} (${digest})`);
    const cached = join(cacheDir(), `${digest.slice(7)}.zip`);
    // The cache holds the zip that was pushed, byte for byte, under the manifest's digest.
    expect(await sha256(cached)).toBe(await sha256(zip));
    const second = await ood('introspect', ref, '--json');
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.stderr).toContain(`using cached ${ref} (${digest})`);
    expect(JSON.parse(second.stdout)).toMatchObject({ ok: true, artifact: ref });
  });

  it('follows a tag that moved to another artifact, and reads a digest reference as is', async () => {
    const ref = `${registry!.host}/team/digits:1.0`;
    const moved = await ood('push', other, ref, '--force');
    expect(moved.exitCode, moved.stderr).toBe(0);
    const digest = moved.stdout.trim();
    const after = await ood('introspect', ref, '--quiet');
    expect(after.exitCode, after.stderr).toBe(0);
    expect(after.stderr).toBe('');
    expect(await readdir(cacheDir())).toContain(`${digest.slice(7)}.zip`);
    const byDigest = await ood('introspect', `${registry!.host}/team/digits@${digest}`);
    expect(byDigest.exitCode, byDigest.stderr).toBe(0);
    expect(byDigest.stderr).toContain('using cached');
  });

  it('serves NAME:TAG from the local store and answers /health', async () => {
    expect((await ood('push', zip, 'digits:1.0')).exitCode).toBe(0);
    const child = execa('node', [CLI, 'serve', 'digits:1.0', '--port', '0', '--json'], { env: env(), reject: false });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let text = '';
        child.stdout!.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          const ready = text.split('\n').find((l) => l.includes('"event":"ready"'));
          const listening = text.split('\n').find((l) => l.includes('"event":"listening"'));
          if (ready && listening) resolve(JSON.parse(listening).url);
        });
        void child.then((r) => reject(new Error(`serve exited (${r.exitCode}): ${r.stderr}`)));
      });
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      expect((await child).exitCode).toBe(0);
    }
  });

  it('evaluates a pushed artifact by digest', async () => {
    const digest = (await ood('push', zip, 'digits:1.0')).stdout.trim();
    const r = await ood(
      'evaluate',
      `digits@${digest}`,
      '--id',
      fixtures.digits.calibration,
      '--ood',
      fixtures.digits.oodNoise,
      '--json',
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.ood).toHaveLength(1);
    expect(report.model.path).toBe(`digits@${digest}`);
    expect(report.ood[0].metrics.auroc).toBeGreaterThan(0.5);
  });
});

describe('an artifact argument that is neither a path nor a reference', () => {
  it('exits 3 naming the text and both readings, for serve, introspect, verify and evaluate', async () => {
    for (const args of [
      ['serve', join(dir, 'nosuch.zip')],
      ['introspect', join(dir, 'nosuch.zip')],
      ['verify', join(dir, 'nosuch.zip')],
      ['evaluate', join(dir, 'nosuch.onnx'), '--id', fixtures.digits.calibration, '--ood', fixtures.digits.oodNoise],
    ]) {
      const r = await ood(...args);
      expect(r.exitCode, args.join(' ')).toBe(3);
      expect(r.stderr).toMatch(/^Error: (artifact|model or artifact) not found: .*nosuch\.(zip|onnx) \(no such file/);
      expect(r.stderr).toContain('Hint: Check the path, or name a registry reference with its tag or digest');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('reads a reference that the local store lacks as a miss there (exit 3), not a bug', async () => {
    const r = await ood('introspect', 'nosuch:1.0');
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain('Error: tag nosuch:1.0 not found in the local store');
  });
});
