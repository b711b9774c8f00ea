// The running ood version, read once from package.json so that artifacts and metadata record the truth.
import { readFileSync } from 'node:fs';

function readVersion(): string {
  // Compiled code sits in dist/src/, sources in src/: the package root is two or one levels up.
  for (const rel of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'ood' && pkg.version) return pkg.version;
    } catch {
      // try the next location
    }
  }
  return '0.0.0';
}

/** The version of ood that is running. */
export const OOD_VERSION: string = readVersion();
