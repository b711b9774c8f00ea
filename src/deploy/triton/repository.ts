// A Triton model repository for one model (server docs/user_guide/model_repository.md): `<name>/config.pbtxt`,
// `<name>/labels.txt` when the model has labels, and `<name>/<version>/model.onnx` with its external data beside
// it, where ONNX Runtime resolves external data (relative to the model file). Planned first, as data, so the
// same plan is written to a directory (`ood export triton`) or into an image layer (`ood push --modelcar`).
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { OodError } from '../../errors.js';
import { writeDirectoryAtomically } from '../../artifact/atomic-dir.js';
import { METADATA_KEYS } from '../../certainty/metadata.js';
import { LABELS_FILE, type ModelSource } from '../model-source.js';
import { buildTritonConfig, formatTritonConfig, type InstanceKind, type TritonModelConfig } from './model-config.js';

/** Options of `ood export triton` beyond the source. */
export interface TritonExportOptions {
  /** Model name in Triton (its directory); default the artifact's name. */
  name?: string;
  /** Numeric version directory; default 1. */
  version?: number;
  maxBatch?: number;
  queueDelayMicroseconds?: number;
  instances?: number;
  kind?: InstanceKind;
}

/** One file of the repository: its path below the repository root, and its bytes or the file holding them. */
export interface RepositoryFile {
  path: string;
  source: { file: string } | { bytes: Buffer };
}

/** The repository before it is written. */
export interface TritonRepositoryPlan {
  modelName: string;
  version: number;
  config: TritonModelConfig;
  configText: string;
  /** Sorted by path. */
  files: RepositoryFile[];
  /** What the user should know about choices made for them (e.g. batching off, and why). */
  notes: string[];
}

// Triton names a model by its directory, and KServe puts it in URLs (/v2/models/NAME/infer): keep it plain.
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

function checkName(name: string): string {
  if (MODEL_NAME.test(name) && !name.includes('..')) return name;
  throw new OodError('TRITON_BAD_NAME', `"${name}" cannot be a Triton model name`, {
    hint: 'Pass --name with letters, digits, ".", "_" or "-" (starting with a letter or digit), e.g. --name digits.',
  });
}

// model_repository.md, "Model Versions": numerically named subdirectories; names starting with "0" are ignored.
function checkVersion(version: number | undefined): number {
  const v = version ?? 1;
  if (Number.isSafeInteger(v) && v >= 1) return v;
  throw new OodError('TRITON_BAD_VERSION', `--version must be a whole number >= 1, not ${version}`, {
    hint: 'Triton ignores version directories that are not numbers or that start with 0; pass --version 1.',
  });
}

/** The output labels belong to: the one `ood enable` scored, else the only output with one class per label. */
function labelledOutput(source: ModelSource, labels: string[]): string {
  const outputs = source.model.info.graph.outputs;
  const recorded = source.model.metadataMap.get(METADATA_KEYS.logits);
  const classes = (name: string) => {
    const v = outputs.find((o) => o.name === name);
    const shape = v?.type.kind === 'tensor' ? v.type.shape : null;
    return shape && shape.length > 0 ? shape[shape.length - 1] : undefined;
  };
  const candidates = recorded ? [recorded] : outputs.map((o) => o.name).filter((n) => classes(n) === labels.length);
  if (candidates.length !== 1)
    throw new OodError(
      'TRITON_LABELS_UNPLACED',
      `${source.path} has ${labels.length} labels, and ${candidates.length === 0 ? 'no output has' : 'several outputs have'} ${labels.length} classes`,
      { hint: `Make ${LABELS_FILE} hold one line per class of the classifier's output, in class order.` },
    );
  const name = candidates[0]!;
  const count = classes(name);
  if (typeof count === 'number' && count !== labels.length)
    throw new OodError(
      'TRITON_LABELS_MISMATCH',
      `${LABELS_FILE} has ${labels.length} labels but output "${name}" has ${count} classes`,
      { hint: `Make ${LABELS_FILE} hold exactly one line per class, in class order.` },
    );
  return name;
}

/** Plan the repository of one model. */
export function planTritonRepository(source: ModelSource, options: TritonExportOptions = {}): TritonRepositoryPlan {
  const modelName = checkName(options.name ?? source.name);
  const version = checkVersion(options.version);
  const graph = source.model.info.graph;
  const labels = source.labels && { output: labelledOutput(source, source.labels), file: LABELS_FILE };
  const config = buildTritonConfig(graph.inputs, graph.outputs, { ...options, name: modelName, labels });
  const configText = formatTritonConfig(config);
  const files: RepositoryFile[] = [
    { path: `${modelName}/config.pbtxt`, source: { bytes: Buffer.from(configText) } },
    { path: `${modelName}/${version}/${source.modelFile.name}`, source: { file: source.modelFile.path } },
    ...source.externalData.map((f) => ({ path: `${modelName}/${version}/${f.name}`, source: { file: f.path } })),
  ];
  if (source.labels)
    files.push({
      path: `${modelName}/${LABELS_FILE}`,
      source: { bytes: Buffer.from(`${source.labels.join('\n')}\n`) },
    });
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const notes: string[] = [];
  if (config.maxBatchSize === 0)
    notes.push('max_batch_size is 0 (no dynamic batching): not every input and output has a dynamic first dimension');
  if (labels) notes.push(`label_filename ${LABELS_FILE} is set on output "${labels.output}"`);
  return { modelName, version, config, configText, files, notes };
}

/** What `ood export triton` reports. */
export interface TritonExportResult {
  repository: string;
  modelDir: string;
  modelName: string;
  version: number;
  maxBatchSize: number;
  files: string[];
  notes: string[];
}

/**
 * Write the plan into repository `dir` (created if needed; other models in it are left alone). The model's own
 * directory is built beside its final place and renamed in, so a failure leaves no half-written model; an
 * existing one is replaced only with `force`.
 */
export async function writeTritonRepository(
  plan: TritonRepositoryPlan,
  dir: string,
  force = false,
): Promise<TritonExportResult> {
  const modelDir = join(dir, plan.modelName);
  await mkdir(dir, { recursive: true });
  await writeDirectoryAtomically(modelDir, force, async (tmp) => {
    for (const file of plan.files) {
      const target = join(tmp, file.path.slice(plan.modelName.length + 1));
      await mkdir(dirname(target), { recursive: true });
      if ('bytes' in file.source) await writeFile(target, file.source.bytes);
      else await copyFile(file.source.file, target);
    }
  });
  return {
    repository: dir,
    modelDir,
    modelName: plan.modelName,
    version: plan.version,
    maxBatchSize: plan.config.maxBatchSize,
    files: plan.files.map((f) => f.path),
    notes: plan.notes,
  };
}
