// Podman as this machine needs it (see GUIDE.md): runtime runc, cgroupfs, a containers.conf with
// `default_ulimits = []` (the sandbox forbids raising rlimits) passed as CONTAINERS_CONF, and storage in a
// temporary directory (--root/--runroot, vfs driver) so tests share no images or containers. Missing tools fail
// the suite under CI=true and skip it elsewhere.
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type Options } from 'execa';

const TOOLS = {
  podman: '/usr/bin/podman',
  runc: '/usr/sbin/runc',
  skopeo: '/usr/bin/skopeo',
  busybox: '/bin/busybox',
} as const;

/** True when a tool is missing here (outside CI); throws in CI, naming the Debian packages. */
export function missingContainerTools(): boolean {
  const missing = Object.values(TOOLS).filter((p) => !existsSync(p));
  if (missing.length === 0) return false;
  const what = `${missing.join(', ')} missing: apt-get install podman runc skopeo busybox-static`;
  if (process.env.CI === 'true') throw new Error(what);
  console.warn(`[skip] ${what}: the container tests are skipped`);
  return true;
}

/** A private podman: every call gets the same storage, runtime and configuration. */
export interface Podman {
  dir: string;
  env: Record<string, string>;
  run(args: string[], options?: Options): ReturnType<typeof execa>;
  skopeo(args: string[]): ReturnType<typeof execa>;
  cleanup(): Promise<void>;
}

export async function createPodman(): Promise<Podman> {
  const dir = await mkdtemp(join(tmpdir(), 'ood-podman-'));
  const conf = join(dir, 'containers.conf');
  // engine.tmp_dir: libpod's default, /run/libpod, is shared by every podman on the machine, and `system reset`
  // in one test's cleanup removes it under another's feet ("open /run/libpod/alive: no such file").
  await writeFile(conf, `[containers]\ndefault_ulimits = []\n\n[engine]\ntmp_dir = "${join(dir, 'libpod')}"\n`);
  const env = { CONTAINERS_CONF: conf, TMPDIR: join(dir, 'tmp') };
  await mkdir(env.TMPDIR);
  const global = [
    '--root',
    join(dir, 'root'),
    '--runroot',
    join(dir, 'runroot'),
    '--storage-driver',
    'vfs',
    '--runtime',
    TOOLS.runc,
    '--cgroup-manager',
    'cgroupfs',
    '--events-backend',
    'none',
  ];
  const podman: Podman = {
    dir,
    env,
    run: (args, options = {}) => execa(TOOLS.podman, [...global, ...args], { env, reject: false, ...options }),
    skopeo: (args) => execa(TOOLS.skopeo, args, { env, reject: false }),
    async cleanup() {
      // Containers are removed by the tests; storage made by vfs may hold read-only dirs, so reset it first.
      await execa(TOOLS.podman, [...global, 'system', 'reset', '--force'], { env, reject: false });
      await rm(dir, { recursive: true, force: true });
    },
  };
  return podman;
}

/**
 * A one-layer busybox image made from Debian's busybox-static (`/bin/busybox`, `/bin/sh` linked to it), imported
 * by podman and pushed to `ref` (a loopback registry), as a user would mirror a small base with a shell.
 */
export async function pushBusyboxBase(podman: Podman, ref: string): Promise<void> {
  const rootfs = join(podman.dir, 'busybox-rootfs');
  await mkdir(join(rootfs, 'bin'), { recursive: true });
  await copyFile(TOOLS.busybox, join(rootfs, 'bin', 'busybox'));
  await chmod(join(rootfs, 'bin', 'busybox'), 0o755);
  await symlink('busybox', join(rootfs, 'bin', 'sh'));
  const tar = join(podman.dir, 'busybox.tar');
  await execa('tar', ['-C', rootfs, '--owner=0', '--group=0', '-cf', tar, 'bin']);
  await expectOk(podman.run(['import', '--change', 'CMD ["sh"]', tar, ref]), 'podman import');
  await expectOk(podman.run(['push', '--tls-verify=false', '--format', 'oci', ref]), 'podman push');
}

/** Await a command and throw with its output unless it exited 0. */
export async function expectOk(
  running: ReturnType<typeof execa>,
  what: string,
): Promise<Awaited<ReturnType<typeof execa>>> {
  const r = await running;
  if (r.exitCode !== 0) throw new Error(`${what} exited ${r.exitCode}: ${String(r.stderr)}\n${String(r.stdout)}`);
  return r;
}

/**
 * A Node.js base image made from this machine's own `node` (the binary and the shared libraries `ldd` lists, in
 * one layer) plus `/bin/sh` from busybox-static, with NODE_VERSION in its Env as the official node images have,
 * pushed to `ref`.
 */
export async function pushNodeBase(podman: Podman, ref: string, options: { thin?: boolean } = {}): Promise<string> {
  const node = (await execa('readlink', ['-f', process.execPath])).stdout.trim();
  const rootfs = join(podman.dir, options.thin ? 'thin-node-rootfs' : 'node-rootfs');
  // The libraries node needs, and those onnxruntime-node's addon needs (librt, …), which any real Node.js image
  // (a glibc distribution) has; `thin` leaves the addon's out, as a minimal image made for node alone would.
  const needs = [node, ...(options.thin ? [] : await nativeAddons())];
  const libs = new Set<string>();
  for (const binary of needs)
    for (const line of (await execa('ldd', [binary])).stdout.split('\n')) {
      const lib = /(\/\S+)\s+\(/.exec(line)?.[1];
      if (lib && !lib.includes('/node_modules/')) libs.add(lib);
    }
  for (const file of [node, ...libs]) {
    const real = (await execa('readlink', ['-f', file])).stdout.trim();
    await mkdir(join(rootfs, file, '..'), { recursive: true });
    await copyFile(real, join(rootfs, file));
    await chmod(join(rootfs, file), 0o755);
  }
  await mkdir(join(rootfs, 'bin'), { recursive: true });
  await mkdir(join(rootfs, 'tmp'), { recursive: true });
  await chmod(join(rootfs, 'tmp'), 0o1777);
  await copyFile(TOOLS.busybox, join(rootfs, 'bin', 'busybox'));
  await chmod(join(rootfs, 'bin', 'busybox'), 0o755);
  await symlink('busybox', join(rootfs, 'bin', 'sh'));
  const tar = join(podman.dir, options.thin ? 'thin-node.tar' : 'node.tar');
  await execa('tar', ['-C', rootfs, '--owner=0', '--group=0', '-cf', tar, '.']);
  const version = process.version.slice(1);
  await expectOk(
    podman.run([
      'import',
      '--change',
      `ENV NODE_VERSION=${version}`,
      '--change',
      `ENV PATH=${join(node, '..')}:/bin`,
      '--change',
      'CMD ["node"]',
      tar,
      ref,
    ]),
    'podman import',
  );
  await expectOk(podman.run(['push', '--tls-verify=false', '--format', 'oci', ref]), 'podman push');
  return version;
}

/** onnxruntime-node's native files for this machine (the addon and libonnxruntime). */
async function nativeAddons(): Promise<string[]> {
  const { repoRoot } = await import('./fixtures.js');
  const dir = join(repoRoot, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', process.platform, process.arch);
  const { readdir } = await import('node:fs/promises');
  return (await readdir(dir)).filter((f) => f.endsWith('.node') || f.includes('.so')).map((f) => join(dir, f));
}
