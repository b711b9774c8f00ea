// manifest.json (artifact format 1.0): sha256 and size of every other file of the artifact, sorted by path,
// checked against schemas/manifest.schema.json before it is written.
import type { Digest } from './file-digest.js';
import { assertWritable } from './validate.js';
import { ARTIFACT_FILES, ARTIFACT_VERSION, type Manifest } from './spec.js';

/** The manifest for these files (manifest.json itself is never listed). */
export function buildManifest(digests: ReadonlyMap<string, Digest>): Manifest {
  const files = [...digests]
    .filter(([path]) => path !== ARTIFACT_FILES.manifest)
    .map(([path, d]) => ({ path, sha256: d.sha256, size: d.size }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const manifest: Manifest = { artifact_version: ARTIFACT_VERSION, files };
  assertWritable('manifest', manifest, {
    code: 'MANIFEST_INVALID',
    file: ARTIFACT_FILES.manifest,
    hint: 'An included file has a name the artifact format does not allow (control characters, backslashes); rename it.',
  });
  return manifest;
}
