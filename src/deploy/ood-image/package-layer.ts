// The files of ood itself for an image: its package (package.json, dist/src, templates, schemas) and every
// production dependency, found the way Node's resolver finds them (node_modules of the requiring package, then of
// each parent directory), so it works from a checkout and from an install where npm hoisted ood's dependencies
// into the project's node_modules. Each file keeps its path relative to the install root, so resolution inside
// the image sees the same tree. onnxruntime-node keeps only the native binaries of the target platform.
import { lstat, readdir, readFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { OodError } from '../../errors.js';
import { packageRoot } from '../../io/package-files.js';
import type { TarEntry } from '../../registry/image/tar-writer.js';

interface PackageJson {
  name?: string;
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  files?: string[];
}

/** Where ood's files go in the image, and where its CLI is then. */
export interface PackageLayer {
  entries: TarEntry[];
  /** The CLI's path inside the image. */
  cliPath: string;
  packages: string[];
}

/** The directories of ood's own package that an image needs (what `files` in package.json ships). */
const OWN_FILES = ['package.json', 'dist/src', 'templates', 'schemas'];

async function readJson(path: string): Promise<PackageJson> {
  return JSON.parse(await readFile(path, 'utf8')) as PackageJson;
}

/** Node's lookup of `name` from package directory `from`: from/node_modules/name, then each parent's. */
async function resolvePackage(name: string, from: string): Promise<string | undefined> {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (await lstat(join(candidate, 'package.json')).catch(() => undefined)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** ood's package directory and every production dependency's, transitively. */
async function productionPackages(root: string): Promise<string[]> {
  const seen = new Set<string>([root]);
  const queue = [root];
  while (queue.length > 0) {
    const dir = queue.shift()!;
    const pkg = await readJson(join(dir, 'package.json'));
    const required = Object.keys(pkg.dependencies ?? {});
    const optional = Object.keys(pkg.optionalDependencies ?? {});
    for (const name of [...required, ...optional]) {
      const found = await resolvePackage(name, dir);
      if (!found) {
        if (optional.includes(name)) continue;
        throw new OodError('PACKAGE_FILE_MISSING', `${pkg.name ?? dir} needs ${name}, which is not installed`, {
          hint: 'Run `npm ci --omit=dev` (or npm install) where ood is installed, then build the image again.',
        });
      }
      if (!seen.has(found)) {
        seen.add(found);
        queue.push(found);
      }
    }
  }
  return [...seen];
}

async function walk(dir: string, skip: (path: string) => boolean, out: string[]): Promise<void> {
  for (const name of (await readdir(dir)).sort()) {
    const path = join(dir, name);
    if (skip(path)) continue;
    const info = await lstat(path);
    if (info.isDirectory()) await walk(path, skip, out);
    else if (info.isFile()) out.push(path);
  }
}

/** onnxruntime-node's binaries live in bin/napi-v*\/<os>/<arch>; keep only the target's. */
function otherPlatformBinary(path: string, pkgDir: string, os: string, arch: string): boolean {
  const rel = relative(pkgDir, path).split(sep);
  return (
    rel[0] === 'bin' &&
    rel.length >= 4 &&
    /^napi-v\d+$/.test(rel[1]!) &&
    (rel[2] !== os || (rel.length > 3 && rel[3] !== arch))
  );
}

/** The entries of the ood layer under `prefix` (e.g. "opt/ood") for os/arch (Node's names: linux/x64). */
export async function oodPackageLayer(prefix: string, os: string, arch: string): Promise<PackageLayer> {
  const own = packageRoot();
  const dirs = await productionPackages(own);
  // The install root: the deepest directory that contains ood and every dependency.
  let base = own;
  while (!dirs.every((d) => d === base || d.startsWith(base + sep))) base = dirname(base);
  const files: string[] = [];
  for (const dir of dirs) {
    const name = (await readJson(join(dir, 'package.json'))).name;
    if (dir === own) {
      for (const part of OWN_FILES) {
        const path = join(own, part);
        const info = await lstat(path).catch(() => undefined);
        if (!info)
          throw new OodError('PACKAGE_FILE_MISSING', `ood's ${part} is missing`, {
            hint: 'Run `npm run build` first.',
          });
        if (info.isDirectory()) await walk(path, (p) => p.endsWith('.map'), files);
        else files.push(path);
      }
      continue;
    }
    const nested = join(dir, 'node_modules');
    await walk(
      dir,
      (p) => p === nested || (name === 'onnxruntime-node' && otherPlatformBinary(p, dir, os, arch)),
      files,
    );
    if (name === 'onnxruntime-node') {
      const kept = files.filter((f) => f.startsWith(join(dir, 'bin') + sep) && f.endsWith('.node'));
      if (kept.length === 0)
        throw new OodError(
          'ONNXRUNTIME_PLATFORM_MISSING',
          `the installed onnxruntime-node has no binaries for ${os}/${arch}`,
          {
            hint: 'Build for a platform onnxruntime-node ships (linux/amd64, linux/arm64), or install it on a machine of the target platform.',
          },
        );
    }
  }
  const entries: TarEntry[] = [];
  for (const file of files.sort()) {
    const info = await lstat(file);
    entries.push({
      type: 'file',
      path: `${prefix}/${relative(base, file).split(sep).join('/')}`,
      size: info.size,
      // Executable bits survive (native helpers), everything else is 0644.
      mode: info.mode & 0o111 ? 0o755 : 0o644,
      open: () => createReadStream(file),
    });
  }
  return {
    entries,
    cliPath: `/${prefix}/${relative(base, join(own, 'dist', 'src', 'cli', 'main.js'))
      .split(sep)
      .join('/')}`,
    packages: dirs.map((d) => relative(base, d) || '.').sort(),
  };
}
