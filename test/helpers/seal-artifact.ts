// Make a hand-assembled or hand-edited directory artifact consistent again, as `ood prepare` would have written
// it: manifest.json lists every regular file with its digest, and runtime.yaml's MODEL_DETAILS.SHA256/SIZE are
// model.onnx's. Tests that change an artifact's files on purpose call it so that the admission gate (which
// serve and verify run first) lets through the defect under test, not a stale manifest.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { parse, stringify } from 'yaml';
import { buildManifest } from '../../src/artifact/manifest.js';
import { digestFile, type Digest } from '../../src/artifact/file-digest.js';

/** Rewrite manifest.json (and runtime.yaml's model digest) from the files in `dir`. */
export async function sealArtifact(dir: string): Promise<void> {
  const digests = new Map<string, Digest>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const abs = join(entry.parentPath, entry.name);
    digests.set(relative(dir, abs).split(sep).join('/'), await digestFile(abs));
  }
  const model = digests.get('model.onnx');
  const runtimePath = join(dir, 'runtime.yaml');
  if (model && digests.has('runtime.yaml')) {
    const runtime = parse(await readFile(runtimePath, 'utf8')) as { MODEL_DETAILS: Record<string, unknown> };
    runtime.MODEL_DETAILS.SHA256 = model.sha256;
    runtime.MODEL_DETAILS.SIZE = model.size;
    await writeFile(runtimePath, stringify(runtime));
    digests.set('runtime.yaml', await digestFile(runtimePath));
  }
  await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(buildManifest(digests), null, 2)}\n`);
}
