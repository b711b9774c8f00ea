// What every deploy route starts from: an ood artifact (zip or directory) or a bare ONNX model. Either way the
// result is the model file on disk, its external data files, its name and version, and its labels, if any.
import { open, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { OodError, fileError } from '../errors.js';
import { ARTIFACT_FILES, type RuntimeYaml } from '../artifact/spec.js';
import type { ArtifactReader } from '../artifact/open.js';
import { openAdmitted } from '../checks/admission.js';
import { OnnxModel } from '../onnx/model.js';

/** Class labels, one per line: the file Triton's label_filename and KServe's classification read. */
export const LABELS_FILE = 'labels.txt';

/** A file the deployment carries: its name in the model directory and where its bytes are now. */
export interface SourceFile {
  name: string;
  path: string;
}

/** An opened model source. Close it to remove temporary files. */
export interface ModelSource {
  kind: 'artifact' | 'model';
  /** The path the user gave. */
  path: string;
  /** MODEL_DETAILS.NAME of an artifact, else the model file's stem. */
  name: string;
  /** MODEL_DETAILS.VERSION of an artifact (semver), else undefined. */
  version: string | undefined;
  runtime: RuntimeYaml | undefined;
  model: OnnxModel;
  modelFile: SourceFile;
  externalData: SourceFile[];
  labels: string[] | undefined;
  close(): Promise<void>;
}

function parseLabels(text: string): string[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** Open ARTIFACT (zip or dir) or MODEL.onnx; `labelsFile` gives (or replaces) the class labels. */
export async function openModelSource(path: string, options: { labelsFile?: string } = {}): Promise<ModelSource> {
  const info = await stat(path).catch((err: unknown) => {
    throw fileError(err, path, 'artifact or model');
  });
  const source =
    info.isFile() && (await looksLikeOnnx(path))
      ? await openBareModel(path)
      : await openArtifactSource(path, (await openAdmitted(path, { command: 'export' })).reader);
  if (options.labelsFile) {
    source.labels = await readFile(options.labelsFile, 'utf8').then(parseLabels, async (err: unknown) => {
      await source.close();
      throw fileError(err, options.labelsFile!, 'labels file');
    });
  }
  return source;
}

/** A zip starts with "PK"; anything else that is a file is taken for an ONNX model and checked by the reader. */
async function looksLikeOnnx(path: string): Promise<boolean> {
  if (path.endsWith('.onnx')) return true;
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    await handle.read(head, 0, 2, 0);
    return head.toString('latin1') !== 'PK';
  } finally {
    await handle.close();
  }
}

async function openBareModel(path: string): Promise<ModelSource> {
  const model = OnnxModel.open(path);
  const dir = dirname(resolve(path));
  const externalData = model.externalDataFiles().map((name) => ({ name, path: join(dir, name) }));
  for (const file of externalData)
    await stat(file.path).catch((err: unknown) => {
      model.close();
      throw new OodError('EXTERNAL_DATA_MISSING', `the model's external data file ${file.name} is missing`, {
        hint: `Keep it next to the model, as ONNX expects: ${file.path}`,
        cause: err,
      });
    });
  return {
    kind: 'model',
    path,
    name: basename(path).replace(/\.onnx$/i, ''),
    version: undefined,
    runtime: undefined,
    model,
    modelFile: { name: ARTIFACT_FILES.model, path: resolve(path) },
    externalData,
    // A bare model has no labels unless given (--labels): a stray labels.txt beside it is not proof of anything.
    labels: undefined,
    close: async () => model.close(),
  };
}

async function openArtifactSource(path: string, reader: ArtifactReader): Promise<ModelSource> {
  const view = reader.view;
  try {
    if (!view.has(ARTIFACT_FILES.runtime) || !view.has(ARTIFACT_FILES.model))
      throw new OodError('NOT_AN_ARTIFACT', `${path} is not an ood artifact: it has no runtime.yaml or model.onnx`, {
        hint: 'Pass the .zip or directory written by `ood prepare`, or a .onnx model.',
      });
    const found = await reader.runtime();
    if (!found.ok)
      throw new OodError('NOT_AN_ARTIFACT', `${path}: runtime.yaml is invalid: ${found.problems.join('; ')}`, {
        hint: 'Run `ood introspect` on the artifact to see what is wrong.',
      });
    const runtime: RuntimeYaml = found.value;
    const modelPath = await view.localPath(ARTIFACT_FILES.model);
    const externalData: SourceFile[] = [];
    for (const name of runtime?.MODEL_DETAILS?.EXTERNAL_DATA ?? []) {
      if (!view.has(name))
        throw new OodError('EXTERNAL_DATA_MISSING', `${path} lists external data ${name} but does not hold it`, {
          hint: 'Rebuild the artifact with `ood prepare`; run `ood introspect` to see every problem.',
        });
      externalData.push({ name, path: await view.localPath(name) });
    }
    const model = OnnxModel.open(modelPath);
    const labels = view.has(LABELS_FILE)
      ? parseLabels((await view.read(LABELS_FILE, 16 << 20)).toString('utf8'))
      : undefined;
    return {
      kind: 'artifact',
      path,
      name: String(runtime?.MODEL_DETAILS?.NAME ?? basename(path).replace(/\.zip$/i, '')),
      version: runtime?.MODEL_DETAILS?.VERSION === undefined ? undefined : String(runtime.MODEL_DETAILS.VERSION),
      runtime,
      model,
      modelFile: { name: ARTIFACT_FILES.model, path: modelPath },
      externalData,
      labels,
      close: async () => {
        model.close();
        await view.close();
      },
    };
  } catch (err) {
    await view.close();
    throw err;
  }
}
