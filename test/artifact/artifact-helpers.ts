// Shared steps of the artifact tests: temp dirs, manifest checks, and running score.mjs against onnxruntime.
import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';
import type { IoSchema, Manifest } from '../../src/artifact/spec.js';
import type { NamedTensor } from '../../src/tensor/tensor.js';

export async function tempDir(prefix = 'ood-artifact-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Copy a model (and files beside it) into a fresh directory outside any git repository. */
export async function isolatedCopy(model: string, extra: readonly string[] = []): Promise<string> {
  const dir = await tempDir('ood-model-');
  for (const f of [model, ...extra]) await copyFile(f, join(dir, basename(f)));
  return join(dir, basename(model));
}

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Problems between the manifest and the files actually present (empty when they agree). */
export function manifestProblems(files: Map<string, Buffer>): string[] {
  const manifest = JSON.parse(files.get('manifest.json')!.toString('utf8')) as Manifest;
  const problems: string[] = [];
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const f of manifest.files) {
    const data = files.get(f.path);
    if (!data) problems.push(`${f.path} listed but missing`);
    else if (sha256(data) !== f.sha256 || data.length !== f.size) problems.push(`${f.path} hash or size differs`);
  }
  for (const name of files.keys())
    if (name !== 'manifest.json' && !listed.has(name)) problems.push(`${name} not listed`);
  const sorted = [...manifest.files.map((f) => f.path)].sort();
  if (JSON.stringify(sorted) !== JSON.stringify(manifest.files.map((f) => f.path)))
    problems.push('manifest not sorted');
  return problems;
}

/** Write zip entries into a directory, as a server would unpack an artifact. */
export async function unpack(files: Map<string, Buffer>): Promise<string> {
  const dir = await tempDir('ood-unpacked-');
  for (const [name, data] of files) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), data);
  }
  return dir;
}

const TYPED: Record<string, (n: number) => ArrayLike<number | bigint | string | boolean>> = {
  FP32: (n) => Float32Array.from({ length: n }, (_, i) => Math.sin(i + 1)),
  FP64: (n) => Float64Array.from({ length: n }, (_, i) => Math.cos(i + 1)),
  INT64: (n) => BigInt64Array.from({ length: n }, (_, i) => BigInt(i % 3)),
  INT32: (n) => Int32Array.from({ length: n }, (_, i) => i % 5),
};

/** Deterministic inputs for a schema: dynamic dims become `dynamic`, values follow the datatype. */
export function inputsFor(schema: IoSchema, dynamic = 2): NamedTensor[] {
  return schema.tensors.map((t) => {
    const shape = t.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : dynamic));
    const n = shape.reduce((a, b) => a * b, 1);
    const make = TYPED[t.datatype];
    if (!make) throw new Error(`test helper has no generator for ${t.datatype}`);
    return { name: t.name, datatype: t.datatype, shape, data: make(n) };
  });
}

/** Run the artifact's score.mjs (load + predict) and a direct session.run on `modelPath`; return both. */
export async function predictBothWays(artifactDir: string, modelPath: string, inputs: NamedTensor[]) {
  const score = (await import(pathToFileURL(join(artifactDir, 'score.mjs')).href)) as {
    load: (dir: string, ctx: unknown) => Promise<unknown>;
    predict: (m: unknown, r: { inputs: NamedTensor[] }) => Promise<{ outputs: NamedTensor[] }>;
  };
  const model = await score.load(artifactDir, { ort });
  const viaScore = await score.predict(model, { inputs });
  const session = await ort.InferenceSession.create(modelPath);
  const feeds: Record<string, ort.Tensor> = {};
  const ortType: Record<string, string> = { FP32: 'float32', FP64: 'float64', INT64: 'int64', INT32: 'int32' };
  for (const t of inputs)
    feeds[t.name] = new ort.Tensor(ortType[t.datatype] as 'float32', t.data as Float32Array, t.shape);
  const direct = await session.run(feeds);
  return { viaScore, direct };
}
