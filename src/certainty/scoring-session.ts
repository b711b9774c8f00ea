// An onnxruntime-node session over an edited model. Small models go to onnxruntime as a buffer; large ones and
// ones with external data are written to a hidden temporary file in `workDir` first, beside the external data
// files (onnxruntime resolves them relative to the model and refuses paths that leave its folder, symlinks
// included), so that memory stays near one copy of the model.
import { rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import * as ort from 'onnxruntime-node';
import { OodError } from '../errors.js';
import type { OnnxModel } from '../onnx/model.js';
import { editModelToBuffer, writeEditedModel, type ModelEdit } from '../onnx/model-writer.js';
import { dropTelemetryLogs } from '../io/onnxruntime-litter.js';
import { sweepStale, temporarySibling } from '../io/temp-names.js';

/** Models up to this size are handed to onnxruntime as a buffer. */
const BUFFER_LIMIT = 64 * 1024 * 1024;

/** A session and the clean-up of whatever it needed on disk. */
export interface ScoringSession {
  session: ort.InferenceSession;
  dispose(): Promise<void>;
}

/**
 * Open a session over `model` with `edit` applied. `workDir` must hold the model's external data files; by
 * default it is the model's own folder when it has external data, else the system temp folder.
 */
export async function openScoringSession(model: OnnxModel, edit: ModelEdit, workDir?: string): Promise<ScoringSession> {
  const dir = workDir ?? (model.externalDataFiles().length > 0 ? dirname(resolve(model.path ?? '.')) : tmpdir());
  const options: ort.InferenceSession.SessionOptions = { logSeverityLevel: 3 };
  if (model.externalDataFiles().length === 0 && model.source.size <= BUFFER_LIMIT) {
    const session = await create(() => ort.InferenceSession.create(editModelToBuffer(model, edit), options));
    return { session, dispose: () => session.release() };
  }
  const path = temporarySibling(join(dir, 'calibration.onnx'));
  await sweepStale(dir, 'sibling');
  try {
    await writeEditedModel(model, edit, path);
    const session = await create(() => ort.InferenceSession.create(path, options));
    return {
      session,
      dispose: async () => {
        await session.release();
        await rm(path, { force: true });
      },
    };
  } catch (err) {
    await rm(path, { force: true });
    throw err;
  }
}

async function create(open: () => Promise<ort.InferenceSession>): Promise<ort.InferenceSession> {
  try {
    const session = await open();
    await dropTelemetryLogs();
    return session;
  } catch (err) {
    throw new OodError('ONNXRUNTIME_LOAD_FAILED', `onnxruntime cannot load the model: ${(err as Error).message}`, {
      hint: 'Check that the original model runs in onnxruntime (opsets up to 26 with onnxruntime-node 1.30).',
      cause: err,
    });
  }
}

/**
 * Run one batch of calibration data; an onnxruntime failure becomes CALIBRATION_FAILED naming the batch's first
 * sample, with `hint` saying what to check.
 */
export async function runBatch(
  session: ort.InferenceSession,
  feeds: Record<string, ort.Tensor>,
  fetches: string[],
  first: string,
  hint = "Check that the data matches the model's inputs and preprocessing.",
): Promise<Record<string, ort.Tensor>> {
  try {
    return (await session.run(feeds, fetches)) as Record<string, ort.Tensor>;
  } catch (err) {
    throw new OodError(
      'CALIBRATION_FAILED',
      `onnxruntime failed on the batch starting at sample ${first}: ${(err as Error).message}`,
      { hint, cause: err, details: { sample: first } },
    );
  }
}
