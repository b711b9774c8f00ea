// An onnxruntime-node session over an edited model. Small models go to onnxruntime as a buffer; large ones and
// ones with external data are written to a temporary directory first (with links to the external data files,
// which onnxruntime resolves relative to the model file), so that memory stays near one copy of the model.
import { mkdtemp, mkdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { OodError } from '../errors.js';
import type { OnnxModel } from '../onnx/model.js';
import { editModelToBuffer, writeEditedModel, type ModelEdit } from '../onnx/model-writer.js';

/** Models up to this size are handed to onnxruntime as a buffer. */
const BUFFER_LIMIT = 64 * 1024 * 1024;

/** A session and the clean-up of whatever it needed on disk. */
export interface ScoringSession {
  session: ort.InferenceSession;
  dispose(): Promise<void>;
}

/** Open a session over `model` with `edit` applied. */
export async function openScoringSession(model: OnnxModel, edit: ModelEdit): Promise<ScoringSession> {
  const external = model.externalDataFiles();
  const options: ort.InferenceSession.SessionOptions = { logSeverityLevel: 3 };
  if (external.length === 0 && model.source.size <= BUFFER_LIMIT) {
    const session = await create(() => ort.InferenceSession.create(editModelToBuffer(model, edit), options));
    return { session, dispose: () => session.release() };
  }
  const dir = await mkdtemp(join(tmpdir(), 'ood-enable-'));
  try {
    const path = join(dir, 'model.onnx');
    for (const location of external) {
      const target = join(dir, location);
      await mkdir(dirname(target), { recursive: true });
      await symlink(resolve(dirname(model.path ?? '.'), location), target);
    }
    await writeEditedModel(model, edit, path);
    const session = await create(() => ort.InferenceSession.create(path, options));
    return {
      session,
      dispose: async () => {
        await session.release();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

async function create(open: () => Promise<ort.InferenceSession>): Promise<ort.InferenceSession> {
  try {
    return await open();
  } catch (err) {
    throw new OodError('MODEL_LOAD_FAILED', `onnxruntime cannot load the model: ${(err as Error).message}`, {
      hint: 'Check that the original model runs in onnxruntime (opsets up to 26 with onnxruntime-node 1.30).',
      cause: err,
    });
  }
}
