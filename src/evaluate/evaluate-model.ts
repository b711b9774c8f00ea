// `ood evaluate`: run a certainty-enabled model over an in-distribution set and out-of-distribution sets,
// measure how well its score separates them, and check that the model's own outputs did not change.
import { extname } from 'node:path';
import * as ort from 'onnxruntime-node';
import { OodError, isOodError } from '../errors.js';
import { OOD_VERSION } from '../version.js';
import { OnnxModel } from '../onnx/model.js';
import { readCertaintyRecord, type CertaintyRecord } from '../certainty/metadata.js';
import { openFeedData, type FeedData } from '../certainty/data/feed-data.js';
import { planStrip } from '../certainty/strip.js';
import { editModelToBuffer } from '../onnx/model-writer.js';
import { compareOutputs, newOutputCheck, finishOutputCheck, type OutputCheck } from './output-check.js';
import { buildReport, type EvaluationReport } from './report.js';
import { digestFile } from '../artifact/file-digest.js';
import type { ImageOptions } from '../certainty/data/images.js';
import { dropTelemetryLogs } from '../io/onnxruntime-litter.js';

export interface EvaluateOptions {
  /** An enabled .onnx model, or an artifact (.zip or directory) holding one. */
  model: string;
  /** In-distribution data set. */
  id: string;
  /** One or more out-of-distribution data sets. */
  ood: readonly string[];
  /** The model before `ood enable`, to compare the original outputs against. */
  original?: string;
  batchSize?: number;
  /** For image-folder data sets: size, mean, std, layout (as `ood enable`). */
  image?: ImageOptions;
  /** Called after each batch with the samples scored so far and the total over every set (a progress bar). */
  onProgress?: (done: number, total: number) => void;
}

const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = { logSeverityLevel: 3 };

/** Evaluate a certainty-enabled model; returns the report, and never decides an exit code. */
export async function evaluateModel(options: EvaluateOptions): Promise<EvaluationReport> {
  if (options.ood.length === 0) {
    throw new OodError('EVALUATE_NO_OOD', 'no out-of-distribution data set given', {
      hint: 'Pass at least one --ood DATA.',
    });
  }
  const opened = await openModelPath(options.model);
  try {
    return await evaluateOpened(opened.modelPath, options);
  } finally {
    await opened.cleanup();
  }
}

async function openModelPath(path: string): Promise<{ modelPath: string; cleanup: () => Promise<void> }> {
  if (extname(path).toLowerCase() === '.onnx') return { modelPath: path, cleanup: async () => {} };
  const { openArtifact } = await import('../artifact/open.js');
  let artifact: Awaited<ReturnType<typeof openArtifact>>;
  try {
    artifact = await openArtifact(path);
  } catch (err) {
    // An ONNX model under another extension is still a model.
    if (isOodError(err) && err.code === 'ARTIFACT_IS_A_MODEL') return { modelPath: path, cleanup: async () => {} };
    if (isOodError(err) && err.code === 'ARCHIVE_UNREADABLE') throw neitherModelNorArtifact(path, err);
    throw err;
  }
  try {
    return { modelPath: await artifact.modelPath(), cleanup: () => artifact.close() };
  } catch (err) {
    await artifact.close();
    // A zip that is not an artifact, such as a PyTorch .pt checkpoint, has no model.onnx.
    if (isOodError(err) && err.code === 'ARTIFACT_INVALID') throw neitherModelNorArtifact(path, err);
    throw err;
  }
}

function neitherModelNorArtifact(path: string, cause?: unknown): OodError {
  return new OodError('EVALUATE_NOT_A_MODEL', `${path} is neither an ONNX model nor an ood artifact`, {
    cause,
    hint: 'Export the model to ONNX (e.g. torch.onnx.export), then `ood enable` it; or pass an artifact from `ood prepare`.',
  });
}

async function evaluateOpened(modelPath: string, options: EvaluateOptions): Promise<EvaluationReport> {
  const model = OnnxModel.open(modelPath);
  let record: CertaintyRecord | null;
  let reference: { kind: 'original' | 'stripped'; bytes: Uint8Array | string } | null = null;
  try {
    record = readCertaintyRecord(model.metadataMap);
    if (!record) {
      throw new OodError(
        'EVALUATE_NOT_ENABLED',
        `${options.model} has no certainty score: it was not certainty-enabled`,
        {
          hint: `Run \`ood enable ${options.model} -o enabled.onnx --data ID_DATA\` first, then evaluate enabled.onnx.`,
        },
      );
    }
    if (options.original) reference = { kind: 'original', bytes: options.original };
    else if (model.externalDataFiles().length === 0) {
      // enable's own strip plan: the ood.* metadata, every ood/ node and initializer, and the score output.
      const strip = planStrip(model);
      reference = {
        kind: 'stripped',
        bytes: editModelToBuffer(model, { dropTop: strip.dropTop, dropGraph: strip.dropGraph }),
      };
    }
  } finally {
    model.close();
  }
  const inputs = model.info.graph.inputs;
  const sets: FeedData[] = [];
  let session: ort.InferenceSession | undefined;
  let refSession: ort.InferenceSession | null = null;
  const check = newOutputCheck(
    reference?.kind ?? null,
    model.info.graph.outputs.map((o) => o.name).filter((n) => n !== record.output),
  );
  if (!reference) check.detail = 'not checked: the model uses external data and no --original was given';
  try {
    for (const path of [options.id, ...options.ood])
      sets.push(await openFeedData(path, inputs, options.batchSize ?? 64, options.image));
    session = await createSession(modelPath);
    refSession = reference ? await createSession(reference.bytes) : null;
    const scores: Float32Array[] = [];
    const progress = { done: 0, total: sets.reduce((n, s) => n + s.count, 0), report: options.onProgress };
    for (const set of sets) scores.push(await scoreSet(session, refSession, set, record.output, check, progress));
    return buildReport({
      oodVersion: OOD_VERSION,
      modelPath: options.model,
      modelDigest: await digestFile(modelPath, 'model file'),
      record,
      sets: sets.map((s, i) => ({ name: s.name, path: s.path, scores: scores[i]! })),
      outputs: finishOutputCheck(check),
    });
  } finally {
    for (const set of sets) set.close();
    await session?.release();
    await refSession?.release();
  }
}

async function createSession(model: Uint8Array | string): Promise<ort.InferenceSession> {
  try {
    const session =
      typeof model === 'string'
        ? await ort.InferenceSession.create(model, SESSION_OPTIONS)
        : await ort.InferenceSession.create(model, SESSION_OPTIONS);
    await dropTelemetryLogs();
    return session;
  } catch (err) {
    throw new OodError(
      'ONNXRUNTIME_LOAD_FAILED',
      `onnxruntime cannot load ${typeof model === 'string' ? model : 'the stripped model'}: ${(err as Error).message}`,
      {
        hint: 'Check that the model runs in onnxruntime-node (opsets up to 26).',
        cause: err,
      },
    );
  }
}

/** Run one data set in batches; returns its scores and folds the output comparison into `check`. */
async function scoreSet(
  session: ort.InferenceSession,
  refSession: ort.InferenceSession | null,
  set: FeedData,
  scoreName: string,
  check: OutputCheck,
  progress: { done: number; total: number; report?: (done: number, total: number) => void },
): Promise<Float32Array> {
  const scores = new Float32Array(set.count);
  let done = 0;
  for await (const batch of set.batches()) {
    const results = await run(session, batch.feeds, set, batch.first);
    const score = results[scoreName];
    if (!score)
      throw new OodError('EVALUATE_NO_SCORE_OUTPUT', `the model did not return its score output ${scoreName}`);
    scores.set((score.data as Float32Array).subarray(0, batch.rows), done);
    if (refSession)
      compareOutputs(check, results, await run(refSession, batch.feeds, set, batch.first), set.name, done, batch.rows);
    done += batch.rows;
    progress.done += batch.rows;
    progress.report?.(progress.done, progress.total);
  }
  return scores;
}

async function run(
  session: ort.InferenceSession,
  feeds: Record<string, ort.Tensor>,
  set: FeedData,
  first: string,
): Promise<ort.InferenceSession.OnnxValueMapType> {
  try {
    return await session.run(feeds);
  } catch (err) {
    throw new OodError(
      'EVALUATE_RUN_FAILED',
      `onnxruntime failed on ${set.path}, batch starting at sample ${first}: ${(err as Error).message}`,
      {
        hint: "Check that the data matches the model's inputs and preprocessing.",
        cause: err,
      },
    );
  }
}
