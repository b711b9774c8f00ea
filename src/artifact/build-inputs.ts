// The inputs of a build, checked before any output exists: the output choice, the score entrypoint, the
// model's external data files, and a snapshot that proves the sources did not change while being packed.
import { stat } from 'node:fs/promises';
import { isAbsolute, join, normalize, resolve, sep } from 'node:path';
import { OodError, fileError } from '../errors.js';
import { OnnxModel } from '../onnx/model.js';
import { packagePath } from '../io/package-files.js';

/** A file copied into the artifact from disk. */
export interface Source {
  path: string;
  source: string;
  store?: boolean;
  /** Mode 0755 instead of 0644 (start_server.sh, which DRUM executes). */
  executable?: boolean;
}

/** Open the model, turning a directory or an unreadable path into an input error that names it. */
export async function openModel(path: string): Promise<OnnxModel> {
  const info = await stat(path).catch((err) => Promise.reject(fileError(err, path, 'model file')));
  if (info.isDirectory()) {
    throw new OodError('FILE_IS_DIRECTORY', `expected a model file but found a directory: ${path}`, {
      hint: 'Pass the .onnx file itself.',
    });
  }
  try {
    return OnnxModel.open(path);
  } catch (err) {
    if (err instanceof OodError) throw err;
    throw fileError(err, path, 'model file');
  }
}

/** Exactly one of -o (zip) and --dir. */
export function validateOptions(options: { output?: string; dir?: string }): {
  target: string;
  format: 'zip' | 'directory';
} {
  if (options.output && options.dir) {
    throw new OodError('OUTPUT_AMBIGUOUS', 'pass either -o ARTIFACT.zip or --dir DIR, not both', {
      hint: 'ood prepare model.onnx -o model.zip',
    });
  }
  if (options.output) return { target: resolve(options.output), format: 'zip' };
  if (options.dir) return { target: resolve(options.dir), format: 'directory' };
  throw new OodError('OUTPUT_MISSING', 'no output: pass -o ARTIFACT.zip or --dir DIR', {
    hint: 'ood prepare model.onnx -o model.zip',
  });
}

/** The score entrypoint: templates/score.mjs, or a user's --score file (must exist and be an ES module). */
export async function resolveScore(score: string | undefined): Promise<string> {
  if (score === undefined) return packagePath('templates/score.mjs');
  if (!score.endsWith('.mjs')) {
    throw new OodError('SCORE_NOT_MJS', `--score ${score} must be an ES module ending in .mjs`, {
      hint: 'Start from templates/score.mjs (export load and predict) and save it as score.mjs.',
    });
  }
  const info = await stat(score).catch((err) => Promise.reject(fileError(err, score, 'score file')));
  if (!info.isFile()) throw new OodError('SCORE_NOT_A_FILE', `--score ${score} is not a file`);
  return resolve(score);
}

/** External data files of the model, kept at the same relative paths so that model.onnx still finds them. */
export function externalDataSources(model: OnnxModel, modelDir: string): Source[] {
  return model.externalDataFiles().map((location) => {
    const rel = normalize(location);
    if (isAbsolute(location) || rel === '..' || rel.startsWith(`..${sep}`) || location.includes('\\')) {
      throw new OodError(
        'EXTERNAL_DATA_OUTSIDE',
        `the model's external data "${location}" lies outside the model's directory`,
        {
          hint: 'Save external data next to the model (onnx.save_model(..., location="weights.bin")).',
        },
      );
    }
    return { path: rel.split(sep).join('/'), source: join(modelDir, rel), store: true };
  });
}

type Snapshot = Map<string, { size: number; mtimeMs: number }>;

/** Size and mtime of every source; a missing external data file is reported here, before any output. */
export async function snapshot(sources: readonly Source[]): Promise<Snapshot> {
  const out: Snapshot = new Map();
  for (const s of sources) {
    const info = await stat(s.source).catch((err) => {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && s.store && s.path !== 'model.onnx') {
        return Promise.reject(
          new OodError('EXTERNAL_DATA_MISSING', `the model's external data file is missing: ${s.source}`, {
            hint: 'Copy the external data file next to the model (it is named in the model), then try again.',
          }),
        );
      }
      return Promise.reject(fileError(err, s.source));
    });
    if (!info.isFile()) throw new OodError('SOURCE_NOT_A_FILE', `${s.source} is not a regular file`);
    out.set(s.source, { size: info.size, mtimeMs: info.mtimeMs });
  }
  return out;
}

/** Refuse to finish when a source changed during the build: the manifest would lie. */
export async function assertUnchanged(sources: readonly Source[], before: Snapshot): Promise<void> {
  const after = await snapshot(sources);
  for (const [path, was] of before) {
    const now = after.get(path);
    if (!now || now.size !== was.size || now.mtimeMs !== was.mtimeMs) {
      throw new OodError('SOURCE_CHANGED', `${path} changed while the artifact was being built`, {
        hint: 'Wait until whatever writes the file is done, then run ood prepare again.',
      });
    }
  }
}
