// `ood evaluate`: run a certainty-enabled model over an in-distribution set and out-of-distribution sets,
// measure how well its score separates them, and check that the model's own outputs did not change.
import { extname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { OodError } from '../errors.js';
import { OOD_VERSION } from '../version.js';
import { OnnxModel } from '../onnx/model.js';
import { readCertaintyRecord, type CertaintyRecord } from '../certainty/metadata.js';
import { loadEvaluationData, type EvaluationData } from './data-source.js';
import { stripCertaintyBranch } from './strip-certainty.js';
import { compareOutputs, newOutputCheck, finishOutputCheck, type OutputCheck } from './output-check.js';
import { buildReport, type EvaluationReport } from './report.js';

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
}

const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = { logSeverityLevel: 3 };

/** Evaluate a certainty-enabled model; returns the report, and never decides an exit code. */
export async function evaluateModel(options: EvaluateOptions): Promise<EvaluationReport> {
  if (options.ood.length === 0) {
    throw new OodError('EVALUATE_NO_OOD', 'no out-of-distribution data set given', { kind: 'usage', hint: 'Pass at least one --ood DATA.' });
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
  const { openArtifact } = await import('../artifact/archive-extract.js');
  const artifact = await openArtifact(path);
  return { modelPath: join(artifact.dir, 'model.onnx'), cleanup: artifact.cleanup };
}

async function evaluateOpened(modelPath: string, options: EvaluateOptions): Promise<EvaluationReport> {
  const model = OnnxModel.open(modelPath);
  let record: CertaintyRecord | null;
  let reference: { kind: 'original' | 'stripped'; bytes: Uint8Array | string } | null = null;
  try {
    record = readCertaintyRecord(model.metadataMap);
    if (!record) {
      throw new OodError('EVALUATE_NOT_ENABLED', `${options.model} has no certainty score: it was not certainty-enabled`, {
        hint: `Run \`ood enable ${options.model} -o enabled.onnx --data ID_DATA\` first, then evaluate enabled.onnx.`,
      });
    }
    if (options.original) reference = { kind: 'original', bytes: options.original };
    else if (model.externalDataFiles().length === 0) reference = { kind: 'stripped', bytes: stripCertaintyBranch(model, record.output) };
  } finally {
    model.close();
  }
  const inputs = model.info.graph.inputs;
  const sets = [options.id, ...options.ood].map((p) => loadEvaluationData(p, inputs));
  const session = await ort.InferenceSession.create(modelPath, SESSION_OPTIONS);
  const refSession = reference ? await createSession(reference.bytes) : null;
  const check = newOutputCheck(reference?.kind ?? null, model.info.graph.outputs.map((o) => o.name).filter((n) => n !== record.output));
  if (!reference) check.detail = 'not checked: the model uses external data and no --original was given';
  const fixedBatch = inputs[0]?.type.kind === 'tensor' && typeof inputs[0].type.shape?.[0] === 'number' ? inputs[0].type.shape[0] : undefined;
  const batchSize = fixedBatch ?? options.batchSize ?? 64;
  try {
    const scores: Float32Array[] = [];
    for (const set of sets) scores.push(await scoreSet(session, refSession, set, record.output, batchSize, fixedBatch !== undefined, check));
    return buildReport({
      oodVersion: OOD_VERSION,
      modelPath: options.model,
      record,
      sets: sets.map((s, i) => ({ name: s.name, path: s.path, scores: scores[i]! })),
      outputs: finishOutputCheck(check),
    });
  } finally {
    await session.release();
    await refSession?.release();
  }
}

async function createSession(model: Uint8Array | string): Promise<ort.InferenceSession> {
  return typeof model === 'string' ? ort.InferenceSession.create(model, SESSION_OPTIONS) : ort.InferenceSession.create(model, SESSION_OPTIONS);
}

/** Run one data set in batches; returns its scores and folds the output comparison into `check`. */
async function scoreSet(
  session: ort.InferenceSession,
  refSession: ort.InferenceSession | null,
  set: EvaluationData,
  scoreName: string,
  batchSize: number,
  pad: boolean,
  check: OutputCheck,
): Promise<Float32Array> {
  const scores = new Float32Array(set.count);
  for (let start = 0; start < set.count; start += batchSize) {
    const end = Math.min(set.count, start + batchSize);
    const feeds = pad && end - start < batchSize ? padFeeds(set, start, end, batchSize) : set.feeds(start, end);
    const results = await session.run(feeds);
    const score = results[scoreName];
    if (!score) throw new OodError('EVALUATE_NO_SCORE_OUTPUT', `the model did not return its score output ${scoreName}`, { kind: 'check' });
    scores.set((score.data as Float32Array).subarray(0, end - start), start);
    if (refSession) compareOutputs(check, results, await refSession.run(feeds), set.name, start);
  }
  return scores;
}

/** A fixed-batch model needs full batches: repeat the last sample; the extra scores are dropped. */
function padFeeds(set: EvaluationData, start: number, end: number, batchSize: number): Record<string, ort.Tensor> {
  const real = set.feeds(start, end);
  const last = set.feeds(end - 1, end);
  const out: Record<string, ort.Tensor> = {};
  for (const [name, tensor] of Object.entries(real)) {
    const one = last[name]!.data as Float32Array;
    const data = new Float32Array(one.length * batchSize);
    data.set(tensor.data as Float32Array);
    for (let i = end - start; i < batchSize; i++) data.set(one, i * one.length);
    out[name] = new ort.Tensor(tensor.type as 'float32', data, [batchSize, ...tensor.dims.slice(1)]);
  }
  return out;
}
