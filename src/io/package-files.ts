// The one way to find files shipped with ood (schemas/, templates/, package.json) and with its dependencies
// (onnxruntime-node's package.json). Sources run from src/, the build from dist/src/: both find the package root
// by walking up to the nearest package.json with the right name, so no caller counts `../` levels.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OodError } from '../errors.js';

interface PackageJson {
  name?: string;
  version?: string;
  engines?: { node?: string };
}

/** The nearest directory at or above `start` whose package.json is named `name`, or undefined. */
function findPackageRoot(start: string, name: string): string | undefined {
  let dir = start;
  for (let i = 0; i < 8; i++, dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
      if (pkg.name === name) return dir;
    } catch {
      // no (readable) package.json here: keep walking up
    }
  }
  return undefined;
}

const incomplete = (what: string) =>
  new OodError('PACKAGE_FILE_MISSING', what, { hint: 'Reinstall ood; the package is incomplete.' });

let root: string | undefined;

/** ood's package root. */
export function packageRoot(): string {
  root ??= findPackageRoot(dirname(fileURLToPath(import.meta.url)), 'ood');
  if (root === undefined) throw incomplete("ood's package.json cannot be found");
  return root;
}

/** Absolute path of a file shipped with ood (templates/score.mjs, schemas/*.json, package.json). */
export function packagePath(rel: string): string {
  const path = join(packageRoot(), rel);
  if (!existsSync(path)) throw incomplete(`ood's own file ${rel} is missing`);
  return path;
}

/** A JSON file shipped with ood, parsed. */
export function readPackageJsonFile<T>(rel: string): T {
  return JSON.parse(readFileSync(packagePath(rel), 'utf8')) as T;
}

/** ood's own package.json. */
export function oodPackage(): PackageJson {
  return readPackageJsonFile<PackageJson>('package.json');
}

/** The version of an installed dependency (e.g. onnxruntime-node), or undefined when it cannot be found. */
export function dependencyVersion(name: string): string | undefined {
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve(name);
  } catch {
    return undefined;
  }
  const dir = findPackageRoot(dirname(entry), name);
  if (dir === undefined) return undefined;
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson).version;
}
