// The two files users swap: an ONNX model handed to a command that wants an artifact, and an artifact handed to
// one that wants a model. Each gets told what it holds and which command takes it, instead of a parser's error.
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { OodError } from '../errors.js';
import { OnnxModel } from '../onnx/model.js';
import { ARTIFACT_FILES } from './spec.js';

const ZIP_MAGIC = [0x50, 0x4b];

async function startsWithZipMagic(path: string): Promise<boolean> {
  const handle = await open(path, 'r').catch(() => null);
  if (!handle) return false;
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === ZIP_MAGIC[0] && head[1] === ZIP_MAGIC[1];
  } finally {
    await handle.close();
  }
}

/** When `path` (which failed to open as a zip artifact) is an ONNX model, the error that says so; else null. */
export function modelGivenAsArtifact(path: string): OodError | null {
  try {
    OnnxModel.open(path).close();
  } catch {
    return null;
  }
  return new OodError('ARTIFACT_IS_A_MODEL', `${path} is an ONNX model, not an artifact`, {
    hint: `Package it first: ood prepare ${path} -o model.zip (ood inspect ${path} shows its inputs and outputs).`,
  });
}

/** When `path` (which failed to open as an ONNX model) is an ood artifact, zip or directory, the error; else null. */
export async function artifactGivenAsModel(path: string): Promise<OodError | null> {
  const info = await stat(path).catch(() => null);
  if (!info) return null;
  const isArtifact = info.isDirectory()
    ? await stat(join(path, ARTIFACT_FILES.runtime)).then(
        () => true,
        () => false,
      )
    : info.isFile() && (await startsWithZipMagic(path));
  if (!isArtifact) return null;
  return new OodError('MODEL_IS_AN_ARTIFACT', `${path} is an ood artifact, not an ONNX model`, {
    hint: `Check it with: ood introspect ${path} (ood serve ${path} serves it).`,
  });
}
