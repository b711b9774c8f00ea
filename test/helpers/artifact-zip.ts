// Test artifact zips in the layout of src/artifact/spec.ts, written with archiver (a real zip writer) until
// `ood prepare` can make them. runtime.yaml is valid against its schema, since every reader validates it. Entry dates are pinned so that the same inputs give the same bytes.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { ZipArchive } from 'archiver';
import { stringify } from 'yaml';

export interface TestArtifactOptions {
  /** model.onnx bytes; default: the bundled examples/digits/model.onnx. */
  model?: Buffer;
  externalData?: { name: string; bytes: Buffer }[];
  version?: string;
  createdAt?: string;
  gitCommit?: string | null;
  /** Store model payloads uncompressed (as prepare's writer does for .onnx) or deflate them. */
  storeModel?: boolean;
  extraFiles?: Record<string, string>;
  /** runtime.yaml's MODEL_DETAILS.SHA256 (hex); default: the model's true digest. */
  modelSha256?: string;
}

export const DIGITS_MODEL = new URL('../../examples/digits/model.onnx', import.meta.url);

/** The runtime.yaml a test artifact carries. */
export function testRuntime(options: TestArtifactOptions, model: Buffer) {
  return {
    MODEL_ARTIFACT_VERSION: '1.0',
    MODEL_DEPLOYMENT: {
      INFERENCE_RUNTIME: {
        NODE_VERSION: '>=20.19',
        ONNXRUNTIME_NODE_VERSION: '1.30.0',
        ENTRYPOINT: 'score.mjs',
        EXECUTION_PROVIDER: 'cpu',
      },
    },
    MODEL_PROVENANCE: {
      OOD_VERSION: '0.1.0',
      CREATED_AT: options.createdAt ?? '2026-01-02T03:04:05Z',
      TRAINING_CODE: {
        GIT_REMOTE: 'https://example.invalid/team/digits.git',
        GIT_COMMIT: options.gitCommit === undefined ? '0123456789abcdef0123456789abcdef01234567' : options.gitCommit,
        GIT_BRANCH: 'main',
        GIT_DIRTY: false,
        TRAINING_SCRIPT: 'train.py',
      },
    },
    MODEL_DETAILS: {
      NAME: 'digits',
      VERSION: options.version ?? '1.0',
      FILE: 'model.onnx',
      SHA256: options.modelSha256 ?? createHash('sha256').update(model).digest('hex'),
      SIZE: model.length,
      // The bundled digits model's own facts, so that runtime.consistency passes (the push gate checks it).
      IR_VERSION: 7,
      OPSET: { 'ai.onnx': 13 },
      PRODUCER_NAME: 'pytorch',
      PRODUCER_VERSION: '1.13',
      EXTERNAL_DATA: (options.externalData ?? []).map((e) => e.name),
    },
    CERTAINTY: { ENABLED: false },
  };
}

/** An I/O schema of FP32 tensors with a leading batch dimension. */
function ioSchema(kind: 'input' | 'output', tensors: [string, number[]][]): string {
  return JSON.stringify({
    schema_version: '1.0',
    kind,
    tensors: tensors.map(([name, dims], order) => ({
      name,
      datatype: 'FP32',
      shape: ['batch', ...dims],
      order,
      description: '',
    })),
  });
}

/**
 * Write an artifact zip to `path`. With the default model it passes every introspect check; with `model` bytes of
 * a test's own (often not ONNX at all), model.format FAILS, so pushing it takes ignoreChecks: ['model.format'].
 */
export async function writeTestArtifact(path: string, options: TestArtifactOptions = {}): Promise<void> {
  const model = options.model ?? (await readFile(DIGITS_MODEL));
  const date = new Date(options.createdAt ?? '2026-01-02T03:04:05Z');
  const archive = new ZipArchive({ zlib: { level: 9 } });
  const done = new Promise<void>((resolve, reject) => {
    const out = createWriteStream(path);
    out.on('close', resolve);
    out.on('error', reject);
    archive.on('error', reject);
    archive.pipe(out);
  });
  const store = options.storeModel ?? true;
  const files: { name: string; data: Buffer | string; stored: boolean }[] = [];
  const add = (name: string, data: Buffer | string, stored = false) => files.push({ name, data, stored });
  // The bundled digits model's signature, so that introspect (which push runs) passes; other bytes get none.
  const digits = options.model === undefined;
  add('input_schema.json', ioSchema('input', digits ? [['image', [1, 8, 8]]] : []));
  add('model.onnx', model, store);
  for (const e of options.externalData ?? []) add(e.name, e.bytes, store);
  add('output_schema.json', ioSchema('output', digits ? [['logits', [8]]] : []));
  add('runtime.yaml', stringify(testRuntime(options, model)));
  add(
    'score.mjs',
    'export async function load(dir) { return { dir }; }\nexport async function predict(model, request) { return { outputs: [] }; }\n',
  );
  for (const [name, text] of Object.entries(options.extraFiles ?? {})) add(name, text);
  // manifest.json lists every file with its digest, as prepare writes it (the admission gate checks it).
  const listed = files
    .map((f) => ({
      path: f.name,
      sha256: createHash('sha256').update(f.data).digest('hex'),
      size: Buffer.byteLength(f.data),
    }))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
  add('manifest.json', JSON.stringify({ artifact_version: '1.0', files: listed }));
  for (const f of [...files].sort((a, b) => (a.name < b.name ? -1 : 1)))
    archive.append(f.data, { name: f.name, date, store: f.stored, mode: 0o644 });
  await archive.finalize();
  await done;
}
