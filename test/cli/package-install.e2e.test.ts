// The package as npm users get it: `npm pack` on a fresh checkout (prepack builds dist/), the tarball installed
// into an empty folder with npm allowed to read nothing but its cache, and the whole pipeline run with the
// installed `ood` bin. This is the path that broke for users: no dist/ in the tarball, source maps pointing at a
// src/ it did not ship, and onnxruntime-node's postinstall downloading CUDA binaries from an unreachable host.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { repoRoot } from '../helpers/fixtures.js';

interface LockFile {
  packages: Record<string, Record<string, unknown> & { dev?: boolean }>;
}
interface PackageJson {
  name: string;
  version: string;
  license: string;
  bin: Record<string, string>;
  engines: Record<string, string>;
  dependencies: Record<string, string>;
}

const work = mkdtempSync(join(tmpdir(), 'ood-package-'));
let tarball = '';
let packedFiles: string[] = [];

/** A copy of what a fresh clone holds (tracked and new, unignored files), so packing never touches our dist/. */
async function copyCheckout(to: string): Promise<void> {
  const listed = await execa('git', ['ls-files', '-z', '-co', '--exclude-standard'], { cwd: repoRoot });
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    try {
      mkdirSync(dirname(join(to, file)), { recursive: true });
      cpSync(join(repoRoot, file), join(to, file));
    } catch (err) {
      // A file deleted in the working tree but still tracked is not part of the checkout being tested.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  symlinkSync(join(repoRoot, 'node_modules'), join(to, 'node_modules'));
}

/**
 * An empty project that depends on the tarball, with a lock file holding the very versions our own lock
 * resolved (our runtime dependencies, hoisted the same way), so that `npm ci --offline` needs only npm's cache.
 */
function writeConsumer(dir: string, extra: Record<string, unknown>): void {
  mkdirSync(dir, { recursive: true });
  const own = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as PackageJson;
  const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as LockFile;
  const spec = `file:${tarball}`;
  const root = { name: 'consumer', version: '1.0.0', private: true, dependencies: { ood: spec }, ...extra };
  const packages: LockFile['packages'] = {
    '': { name: root.name, version: root.version, dependencies: root.dependencies },
    'node_modules/ood': {
      version: own.version,
      resolved: spec,
      license: own.license,
      dependencies: own.dependencies,
      bin: own.bin,
      engines: own.engines,
    },
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry.dev === true) continue;
    const { devOptional: _devOptional, ...kept } = entry;
    void _devOptional;
    packages[path] = kept;
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify(root, null, 2));
  writeFileSync(
    join(dir, 'package-lock.json'),
    JSON.stringify({ name: root.name, version: root.version, lockfileVersion: 3, requires: true, packages }, null, 2),
  );
}

/** The environment of a user's shell: none of the npm_* variables that `npm test` hands its children. */
function userEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^npm_/i.test(k) && k !== 'ONNXRUNTIME_NODE_INSTALL') env[k] = v;
  }
  return { ...env, ...extra };
}

async function installOffline(dir: string, env: Record<string, string>) {
  return execa('npm', ['ci', '--offline', '--no-audit', '--no-fund'], {
    cwd: dir,
    env: userEnv(env),
    extendEnv: false,
    reject: false,
    all: true,
  });
}

beforeAll(async () => {
  const checkout = join(work, 'checkout');
  await copyCheckout(checkout);
  const packed = await execa('npm', ['pack', '--json', '--pack-destination', work], {
    cwd: checkout,
    env: userEnv(),
    extendEnv: false,
  });
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as {
    filename: string;
    files: { path: string }[];
  }[];
  tarball = join(work, info!.filename);
  packedFiles = info!.files.map((f) => f.path).sort();
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed package', () => {
  it('is built by prepack on a checkout without dist/, so the tarball carries the bin and its library', () => {
    const own = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as PackageJson;
    expect(packedFiles).toContain(own.bin.ood);
    expect(packedFiles).toContain('dist/src/index.js');
    expect(packedFiles).toContain('dist/src/index.d.ts');
    expect(packedFiles).toContain('templates/score.mjs');
    expect(packedFiles.some((f) => f.startsWith('schemas/'))).toBe(true);
  });

  it('holds nothing that points nowhere: no sources, no source maps, no sourceMappingURL comments', async () => {
    expect(packedFiles.filter((f) => f.endsWith('.map') || (f.endsWith('.ts') && !f.endsWith('.d.ts')))).toEqual([]);
    const unpacked = join(work, 'unpacked');
    mkdirSync(unpacked);
    await execa('tar', ['xzf', tarball, '-C', unpacked]);
    const pointing = packedFiles.filter(
      (f) => f.endsWith('.js') && readFileSync(join(unpacked, 'package', f), 'utf8').includes('sourceMappingURL'),
    );
    expect(pointing).toEqual([]);
  });

  it('installs offline with ONNXRUNTIME_NODE_INSTALL=skip and runs the whole pipeline with the installed bin', async () => {
    const dir = join(work, 'with-env');
    writeConsumer(dir, {});
    const install = await installOffline(dir, { ONNXRUNTIME_NODE_INSTALL: 'skip' });
    expect(install.exitCode, install.all).toBe(0);
    const bin = join(dir, 'node_modules', '.bin', 'ood');
    const out = join(repoRoot, '.cache', `package-install-${process.pid}`);
    try {
      const run = await execa('bash', [join(repoRoot, 'examples', 'pipeline.sh')], {
        env: userEnv({ OOD_BIN: bin, OOD_DEMO_OUT: out, OOD_HOME: join(work, 'ood-home'), PORT: '0' }),
        extendEnv: false,
        reject: false,
        all: true,
      });
      expect(run.exitCode, run.all).toBe(0);
      expect(run.stdout).toMatch(/digits/);
      expect(readdirSync(out)).toEqual(
        expect.arrayContaining([
          'digits.zip',
          'digits-enabled.onnx',
          'evaluation.html',
          'model-repository',
          'digits-inferenceservice.yaml',
        ]),
      );
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 600_000);

  it('installs offline when the installing project denies onnxruntime-node its install script (allowScripts)', async () => {
    const dir = join(work, 'with-allow-scripts');
    writeConsumer(dir, { allowScripts: { 'onnxruntime-node': false } });
    const install = await installOffline(dir, {});
    expect(install.exitCode, install.all).toBe(0);
    const own = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as PackageJson;
    const version = await execa(join(dir, 'node_modules', '.bin', 'ood'), ['--version'], { reject: false });
    expect(version.stdout.trim()).toBe(own.version);
  }, 300_000);
});
