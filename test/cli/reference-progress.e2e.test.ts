// The progress bar of push and pull is drawn for the other transfers too (issue 16): a registry REF pulled into
// the digest-keyed cache (`ood introspect REF`, `ood serve REF`, any command that takes an artifact) and the two
// uploads of `ood push --modelcar` (the artifact, then the image; `ood image` shares that code). Through a
// pseudo-terminal (util-linux `script`) as the push/pull test does: drawn and cleared on a terminal, never with
// --quiet or --json, in CI, or once the artifact is cached. The registry is Debian's docker-registry.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Digest } from '../../src/registry/digest.js';
import { openStore } from '../../src/registry/open-store.js';
import { parseReference } from '../../src/registry/reference.js';
import { repoRoot } from '../helpers/fixtures.js';
import { registryAvailable, startRegistry, type RunningRegistry } from '../helpers/registry-harness.js';

const CLI = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
const { writeBigModel } = (await import(join(repoRoot, 'bench', 'big-model.mjs'))) as {
  writeBigModel: (p: string, mb: number) => Promise<void>;
};
/** The terminal's erase-to-end-of-line, which clears the bar. */
const ERASE = '\x1b[K';

let dir: string;
let zip: string;
const env = (ci = '') => ({
  OOD_HOME: join(dir, 'home'),
  DOCKER_CONFIG: join(dir, 'no-docker'),
  OOD_REGISTRY_USERNAME: '',
  OOD_REGISTRY_PASSWORD: '',
  CI: ci,
});
const ood = (args: string[]) => execa('node', [CLI, ...args], { env: env(), reject: false });
/** The CLI on a pseudo-terminal: stdout and stderr both reach the terminal, read as stdout. */
const onTerminal = (args: string[], ci = '') =>
  execa('script', ['-qec', ['node', CLI, ...args].join(' '), '/dev/null'], { env: env(ci), reject: false });
const dropCache = () => rm(join(dir, 'home', 'cache'), { recursive: true, force: true });

/** A one-layer linux/amd64 base image pushed with ood's own registry client (its layer is never unpacked). */
async function pushTinyBase(ref: string): Promise<void> {
  const store = await openStore(parseReference(ref), { env: env() }, 'pull,push');
  try {
    const layer = gzipSync(Buffer.alloc(1024));
    const config = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: { Env: ['PATH=/bin'] },
        rootfs: { type: 'layers', diff_ids: [sha256Digest(Buffer.alloc(1024))] },
      }),
    );
    const put = async (mediaType: string, bytes: Buffer) => {
      const d = { mediaType, digest: sha256Digest(bytes), size: bytes.length };
      await store.putBlob(d, (s, e) => Readable.from([bytes.subarray(s, e)]));
      return d;
    };
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: await put('application/vnd.oci.image.config.v1+json', config),
        layers: [await put('application/vnd.oci.image.layer.v1.tar+gzip', layer)],
      }),
    );
    const tag = parseReference(ref).tag;
    await store.putManifest(manifest, sha256Digest(manifest), 'application/vnd.oci.image.manifest.v1+json', tag);
  } finally {
    store.close?.();
  }
}

describe.skipIf(!registryAvailable())('progress of pulls into the cache and of image uploads', () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ood-ref-progress-'));
    registry = await startRegistry();
    await writeBigModel(join(dir, 'model.onnx'), 3);
    zip = join(dir, 'big.zip');
    const prepared = await ood(['prepare', join(dir, 'model.onnx'), '-o', zip]);
    expect(prepared.exitCode, prepared.stderr).toBe(0);
    for (const ref of ['big:1', `${registry.host}/team/big:1`]) {
      const pushed = await ood(['push', zip, ref]);
      expect(pushed.exitCode, pushed.stderr).toBe(0);
    }
  }, 120_000);
  afterAll(async () => {
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['the local store', () => 'big:1'],
    ['a registry', () => `${registry.host}/team/big:1`],
  ])('ood introspect REF from %s draws the pull into the cache, then no bar once cached', async (_, ref) => {
    await dropCache();
    const first = await onTerminal(['introspect', ref()]);
    expect(first.exitCode, first.stdout).toBe(0);
    expect(first.stdout).toMatch(/\rpulling \[[#.]+\] [\d.]+ (B|KiB|MiB)\/3\.\d+ MiB/);
    expect(first.stdout).toContain(`\r${ERASE}pulled `);
    const cached = await onTerminal(['introspect', ref()]);
    expect(cached.exitCode, cached.stdout).toBe(0);
    expect(cached.stdout).toContain('using cached ');
    expect(cached.stdout).not.toContain('pulling [');
  });

  it('draws no bar for a pull into the cache with --quiet or --json, in CI, or off a terminal', async () => {
    for (const [args, ci] of [
      [['introspect', 'big:1', '--quiet'], ''],
      [['introspect', 'big:1', '--json'], ''],
      [['introspect', 'big:1'], 'true'],
    ] as const) {
      await dropCache();
      const r = await onTerminal([...args], ci);
      expect(r.exitCode, r.stdout).toBe(0);
      expect(r.stdout).not.toContain('pulling [');
    }
    await dropCache();
    const piped = await ood(['introspect', 'big:1']);
    expect(piped.exitCode).toBe(0);
    expect(piped.stderr).not.toContain('\r');
  });

  it('ood push --modelcar draws the artifact upload, then the image upload, each cleared', async () => {
    const base = `${registry.host}/mirror/tiny:1`;
    await pushTinyBase(base);
    const args = ['push', zip, `${registry.host}/models/big:1`, '--modelcar', '--base', base];
    const r = await onTerminal(args);
    expect(r.exitCode, r.stdout).toBe(0);
    const artifactBar = r.stdout.search(/\rpushing artifact \[[#.]+\] [\d.]+ (B|KiB|MiB)\/3\.\d+ MiB/);
    const imageBar = r.stdout.search(/\rpushing image \[[#.]+\] [\d.]+ (B|KiB|MiB)\/[\d.]+ (KiB|MiB)/);
    expect(artifactBar, r.stdout).toBeGreaterThanOrEqual(0);
    expect(imageBar, r.stdout).toBeGreaterThan(artifactBar);
    expect(r.stdout.slice(artifactBar, imageBar)).toContain(`\r${ERASE}`);
    const after = r.stdout.slice(imageBar);
    expect(after).toMatch(new RegExp(`\\r\\x1b\\[K(sha256:[0-9a-f]{64}\\r?\\n)?pushed modelcar `));
    for (const quiet of ['--quiet', '--json']) {
      const q = await onTerminal([
        ...args.slice(0, 2),
        `${registry.host}/models/big:${quiet.slice(2)}`,
        ...args.slice(3),
        quiet,
      ]);
      expect(q.exitCode, q.stdout).toBe(0);
      expect(q.stdout).not.toMatch(/pushing (artifact|image) \[/);
    }
  });
});
