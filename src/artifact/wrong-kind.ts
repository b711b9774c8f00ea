// The two files users swap: an ONNX model handed to a command that wants an artifact, and an artifact handed to
// one that wants a model; and a directory that is no artifact at all (empty, or a model's folder). Each gets told
// what it holds and which command takes it, instead of a parser's error or a list of missing files.
import { open, readdir, stat } from 'node:fs/promises';
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

/**
 * When directory `path` holds neither runtime.yaml nor manifest.json (nothing `ood prepare --dir` wrote), the
 * error that says what it lacks and what to run; else null. Its models, if any, are named in the hint.
 */
export async function directoryNotAnArtifact(path: string): Promise<OodError | null> {
  const names = (await readdir(path).catch(() => null))?.sort();
  if (!names || names.includes(ARTIFACT_FILES.runtime) || names.includes(ARTIFACT_FILES.manifest)) return null;
  const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? `, … (${names.length} entries)` : '');
  const lacks = `it has no ${ARTIFACT_FILES.runtime} or ${ARTIFACT_FILES.manifest}`;
  const model = names.find((n) => n.endsWith('.onnx'));
  return new OodError(
    'DIRECTORY_NOT_AN_ARTIFACT',
    `${path} is not an artifact: ${names.length === 0 ? 'the directory is empty' : `${lacks} (it holds ${shown})`}`,
    {
      hint: model
        ? `Package the model first: ood prepare ${join(path, model)} -o ${model.replace(/\.onnx$/, '')}.zip, then use that zip.`
        : 'An artifact is what `ood prepare MODEL.onnx -o model.zip` (or `--dir DIR`) writes; pass that zip or directory.',
    },
  );
}
