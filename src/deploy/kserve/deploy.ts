// `ood deploy kserve ARTIFACT --storage-uri URI`: the InferenceService YAML for an artifact (or a bare model),
// labelled and annotated from its runtime.yaml, written atomically to -o FILE or returned for stdout.
import { basename } from 'node:path';
import { stat } from 'node:fs/promises';
import { stringify } from 'yaml';
import { fileError } from '../../errors.js';
import { ARTIFACT_FILES, type RuntimeYaml } from '../../artifact/spec.js';
import { openArtifact, requireDocument } from '../../artifact/open.js';
import { assertWritableTarget, writeFileAtomic } from '../../io/atomic-file.js';
import { OOD_VERSION } from '../../version.js';
import {
  buildInferenceService,
  checkStorageUri,
  kubernetesName,
  type InferenceServiceOptions,
} from './inference-service.js';

export interface KserveDeployOptions extends Omit<InferenceServiceOptions, 'name' | 'labels' | 'annotations'> {
  /** InferenceService name; default the artifact's name made a Kubernetes name. */
  name?: string;
  /** Write the YAML here (atomically) instead of returning it only. */
  output?: string;
  force?: boolean;
}

export interface KserveDeployResult {
  yaml: string;
  manifest: Record<string, unknown>;
  output: string | undefined;
  notes: string[];
}

/** Label values: at most 63 of [A-Za-z0-9._-], alphanumeric at both ends (Kubernetes "Labels and Selectors"). */
const labelValue = (v: string | undefined) =>
  v !== undefined && /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/.test(v) ? v : undefined;

async function readRuntime(path: string): Promise<RuntimeYaml | undefined> {
  const info = await stat(path).catch((err: unknown) => {
    throw fileError(err, path, 'artifact or model');
  });
  if (info.isFile() && path.endsWith('.onnx')) return undefined;
  const reader = await openArtifact(path);
  try {
    return requireDocument(await reader.runtime(), ARTIFACT_FILES.runtime);
  } finally {
    await reader.close();
  }
}

/** Build (and, with `output`, write) the InferenceService of SOURCE. */
export async function deployKserve(sourcePath: string, options: KserveDeployOptions): Promise<KserveDeployResult> {
  const storage = checkStorageUri(options.storageUri);
  if (options.output) await assertWritableTarget(options.output, options.force === true);
  const runtime = await readRuntime(sourcePath);
  const modelName = String(runtime?.MODEL_DETAILS?.NAME ?? basename(sourcePath).replace(/\.(onnx|zip)$/i, ''));
  const version = runtime?.MODEL_DETAILS?.VERSION === undefined ? undefined : String(runtime.MODEL_DETAILS.VERSION);
  const labels: Record<string, string> = { 'app.kubernetes.io/managed-by': 'ood' };
  const nameLabel = labelValue(modelName);
  if (nameLabel) labels['app.kubernetes.io/name'] = nameLabel;
  const versionLabel = labelValue(version);
  if (versionLabel) labels['app.kubernetes.io/version'] = versionLabel;
  const annotations: Record<string, string> = {};
  if (runtime?.MODEL_DETAILS?.SHA256) annotations['dev.ood.model.sha256'] = runtime.MODEL_DETAILS.SHA256;
  if (runtime?.CERTAINTY?.ENABLED) {
    if (runtime.CERTAINTY.METHOD) annotations['dev.ood.certainty.method'] = runtime.CERTAINTY.METHOD;
    annotations['dev.ood.certainty.output'] = runtime.CERTAINTY.OUTPUT ?? 'ood_scores';
  }
  const manifest = buildInferenceService({
    ...options,
    name: options.name ?? kubernetesName(modelName),
    labels: Object.fromEntries(Object.entries(labels).sort()),
    annotations,
  });
  const header =
    `# InferenceService for ${modelName}${version ? ` ${version}` : ''}, written by ood ${OOD_VERSION}.\n` +
    `# Apply with: kubectl apply -f FILE; the V2 endpoint is /v2/models/${modelName}/infer on the service's host.\n`;
  const yaml = header + stringify(manifest, { lineWidth: 0 });
  const notes: string[] = [];
  if (storage === 'oci')
    notes.push(
      'oci:// storage needs modelcars enabled in KServe (inferenceservice-config ConfigMap, storageInitializer "enableModelcar": true)',
    );
  else
    notes.push(
      `${options.storageUri} must hold the Triton repository from \`ood export triton\` (DIR/${modelName}/config.pbtxt)`,
    );
  if (options.output) await writeFileAtomic(options.output, yaml);
  return { yaml, manifest, output: options.output, notes };
}
