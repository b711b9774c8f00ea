// `ood prepare`: turn an ONNX model into an artifact (format 1.0, src/artifact/spec.ts) as a reproducible zip
// or a directory, written atomically. Facts are gathered and checked first; output appears only when complete.
import { chmod, mkdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { assertWritableTarget, writeAtomically } from '../io/atomic-file.js';
import { writeDirectoryAtomically } from './atomic-dir.js';
import { copyWithDigest, digestBytes, digestFile, type Digest } from './file-digest.js';
import { collectIncludes } from './includes.js';
import { buildIoSchemas, toJsonText } from './io-schema.js';
import { buildManifest } from './manifest.js';
import { readProvenance, type TrainingCode } from './provenance.js';
import { buildRuntime, creationTime, renderRuntimeYaml } from './runtime-yaml.js';
import { readSample, withStatistics } from './sample.js';
import { describeClassification } from './classification.js';
import { readLabelsFile, renderLabels } from './labels.js';
import {
  assertUnchanged,
  externalDataSources,
  openModel,
  resolveScore,
  snapshot,
  validateOptions,
  type Source,
} from './build-inputs.js';
import { assertWritable } from './validate.js';
import { ARTIFACT_FILES, ARTIFACT_VERSION, type Manifest } from './spec.js';
import { writeZip, zipTimestamp } from './zip-writer.js';
import { OodError } from '../errors.js';
import { packagePath } from '../io/package-files.js';
import {
  assertEvaluatesModel,
  assertUsefulEvaluation,
  readEvaluationFile,
  summarizeEvaluation,
  type EvaluationSummary,
} from './evaluation.js';

/** Everything `ood prepare` accepts; exactly one of `output` (zip) and `dir`. */
export interface BuildOptions {
  model: string;
  output?: string;
  dir?: string;
  sample?: string;
  score?: string;
  include?: readonly string[];
  repo?: string;
  trainingScript?: string;
  name?: string;
  version?: string;
  force?: boolean;
  /** MODEL_DEPLOYMENT.INFERENCE_RUNTIME.EXECUTION_PROVIDER (default cpu). */
  executionProvider?: string;
  /** An `ood evaluate --json` report of this model, stored as evaluation.json. */
  evaluation?: string;
  /** Class labels (one a line, or a JSON array), stored as labels.txt and declared in runtime.yaml. */
  labels?: string;
  /** Environment to read SOURCE_DATE_EPOCH from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** What was built (`ood prepare --json` adds the introspection of it: cli/render-prepare.ts). */
export interface BuildResult {
  format: 'zip' | 'directory';
  path: string;
  artifact_version: string;
  model: { name: string; version: string; sha256: string; size: number };
  /** Every file of the artifact except manifest.json (which lists them), sorted. */
  files: Manifest['files'];
  /** Included paths that a .model-ignore dropped. */
  ignored: string[];
  provenance: TrainingCode;
  certainty_enabled: boolean;
  /** The classes' names stored as labels.txt (--labels), or null. */
  labels: string[] | null;
  /** The stored evaluation's headline figures, when --evaluation was given. */
  evaluation: EvaluationSummary | null;
}

/** Build an artifact. Throws OodError on bad input; nothing is left behind on failure. */
export async function buildArtifact(options: BuildOptions): Promise<BuildResult> {
  const { target, format } = validateOptions(options);
  await assertWritableTarget(target, options.force === true);
  if (
    format === 'zip' &&
    (await stat(target).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  ) {
    throw new OodError('OUTPUT_IS_DIRECTORY', `-o ${target} is a directory`, {
      hint: 'Name a .zip file, or use --dir to write an unpacked artifact.',
    });
  }
  const modelPath = resolve(options.model);
  const model = await openModel(modelPath);
  try {
    const schemas = buildIoSchemas(model);
    const labels = options.labels ? await readLabelsFile(options.labels) : null;
    const classification = describeClassification(model, labels);
    const sample = options.sample ? await readSample(options.sample, schemas.input, schemas.output) : null;
    const inputSchema = sample ? withStatistics(schemas.input, sample.request) : schemas.input;
    // Validated now; whether it evaluates this very model is checked once the model's digest is known.
    const evaluation = options.evaluation
      ? assertUsefulEvaluation(await readEvaluationFile(options.evaluation), options.evaluation, options.force === true)
      : null;
    for (const [file, value] of [
      [ARTIFACT_FILES.inputSchema, inputSchema],
      [ARTIFACT_FILES.outputSchema, schemas.output],
    ] as const) {
      assertWritable('io-schema', value, {
        code: 'IO_SCHEMA_INVALID',
        file,
        hint: 'This is a bug in ood; rerun with --verbose and report it.',
      });
    }
    const modelDir = dirname(modelPath);
    const includes = await collectIncludes(options.include ?? [], modelDir);
    const sources: Source[] = [
      { path: ARTIFACT_FILES.model, source: modelPath, store: true },
      ...externalDataSources(model, modelDir),
      { path: ARTIFACT_FILES.score, source: await resolveScore(options.score) },
      { path: ARTIFACT_FILES.startServer, source: packagePath('templates/start_server.sh'), executable: true },
      ...includes.files.map((f) => ({ path: f.path, source: f.source })),
    ];
    const generatedNames = [
      ARTIFACT_FILES.inputSchema,
      ARTIFACT_FILES.outputSchema,
      ARTIFACT_FILES.runtime,
      ARTIFACT_FILES.manifest,
      ...(sample ? [ARTIFACT_FILES.sample] : []),
      ...(evaluation ? [ARTIFACT_FILES.evaluation] : []),
      ...(labels ? [ARTIFACT_FILES.labels] : []),
    ];
    assertNoCollisions(sources, generatedNames);
    const trainingCode = await readProvenance(modelPath, {
      repoDir: options.repo,
      trainingScript: options.trainingScript,
    });
    const createdAt = creationTime(options.env);
    const before = await snapshot(sources);
    const name = options.name ?? basename(modelPath, extname(modelPath));
    const version = options.version ?? (model.info.modelVersion > 0 ? String(model.info.modelVersion) : '0.1.0');

    // Everything the generated files need, once the sources' digests are known.
    const generate = (digests: Map<string, Digest>): Map<string, Uint8Array> => {
      const modelDigest = digests.get(ARTIFACT_FILES.model)!;
      const runtime = buildRuntime({
        model,
        createdAt,
        trainingCode,
        name,
        version,
        sha256: modelDigest.sha256,
        size: modelDigest.size,
        executionProvider: options.executionProvider,
        classification,
      });
      const files = new Map<string, Uint8Array>([
        [ARTIFACT_FILES.inputSchema, Buffer.from(toJsonText(inputSchema))],
        [ARTIFACT_FILES.outputSchema, Buffer.from(toJsonText(schemas.output))],
        [ARTIFACT_FILES.runtime, Buffer.from(renderRuntimeYaml(runtime))],
      ]);
      if (sample) files.set(ARTIFACT_FILES.sample, Buffer.from(sample.text));
      if (labels) files.set(ARTIFACT_FILES.labels, Buffer.from(renderLabels(labels)));
      if (evaluation)
        files.set(
          ARTIFACT_FILES.evaluation,
          Buffer.from(toJsonText(assertEvaluatesModel(evaluation, options.evaluation!, modelDigest.sha256))),
        );
      for (const [path, data] of files) digests.set(path, digestBytes(data));
      files.set(ARTIFACT_FILES.manifest, Buffer.from(toJsonText(buildManifest(digests))));
      return files;
    };

    let digests = new Map<string, Digest>();
    let generated: Map<string, Uint8Array>;
    if (format === 'zip') {
      // Pass 1 hashes the sources (the manifest precedes model.onnx in a sorted zip); pass 2 streams them in.
      for (const s of sources) digests.set(s.path, await digestFile(s.source));
      generated = generate(digests);
      await writeAtomically(target, async (tmp) => {
        await writeZip(
          tmp,
          [...sources, ...[...generated].map(([path, source]) => ({ path, source }))],
          zipTimestamp(createdAt),
        );
        await assertUnchanged(sources, before);
      });
    } else {
      generated = await writeDirectoryAtomically(target, options.force === true, async (tmp) => {
        digests = new Map();
        for (const s of sources) {
          await mkdir(dirname(join(tmp, s.path)), { recursive: true });
          digests.set(s.path, await copyWithDigest(s.source, join(tmp, s.path)));
          if (s.executable) await chmod(join(tmp, s.path), 0o755);
        }
        const files = generate(digests);
        for (const [path, data] of files) await writeFile(join(tmp, path), data, { mode: 0o644 });
        return files;
      });
    }
    const manifest = JSON.parse(Buffer.from(generated.get(ARTIFACT_FILES.manifest)!).toString('utf8')) as Manifest;
    return {
      format,
      path: target,
      artifact_version: ARTIFACT_VERSION,
      model: { name, version, ...digests.get(ARTIFACT_FILES.model)! },
      files: manifest.files,
      ignored: includes.ignored,
      provenance: trainingCode,
      certainty_enabled: model.metadataMap.get('ood.enabled') === 'true',
      labels,
      evaluation: evaluation ? summarizeEvaluation(evaluation) : null,
    };
  } finally {
    model.close();
  }
}

function assertNoCollisions(sources: readonly Source[], generated: readonly string[]): void {
  const seen = new Set<string>(generated);
  for (const s of sources) {
    if (seen.has(s.path)) {
      throw new OodError('INCLUDE_CONFLICT', `two files would land at ${s.path} in the artifact (${s.source})`, {
        hint: 'Rename the included file or directory; model.onnx, score.mjs, start_server.sh, runtime.yaml, the schemas, sample.json, labels.txt (with --labels) and manifest.json are reserved.',
      });
    }
    seen.add(s.path);
  }
}
