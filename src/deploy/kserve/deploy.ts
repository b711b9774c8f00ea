// `ood deploy kserve ARTIFACT --storage-uri URI`: the InferenceService YAML for an artifact (or a bare model),
// labelled and annotated from its runtime.yaml, written atomically to -o FILE or returned for stdout.
import { basename } from 'node:path';
import { stat } from 'node:fs/promises';
import { stringify } from 'yaml';
import { OodError, fileError } from '../../errors.js';
import { ARTIFACT_FILES, type RuntimeYaml } from '../../artifact/spec.js';
import { openArtifact, requireDocument } from '../../artifact/open.js';
import { assertWritableTarget, writeFileAtomic } from '../../io/atomic-file.js';
import { OOD_VERSION } from '../../version.js';
import { buildServingRuntime } from './serving-runtime.js';
import {
  buildInferenceService,
  checkStorageUri,
  kubernetesName,
  type InferenceServiceOptions,
} from './inference-service.js';

export interface KserveDeployOptions extends Omit<InferenceServiceOptions, 'name' | 'labels' | 'annotations'> {
  /** InferenceService name; default the artifact's name made a Kubernetes name. */
  name?: string;
  /** With runtime "ood": the image `ood image` pushed; a ServingRuntime for it comes first in the YAML. */
  image?: string;
  /** Write the YAML here (atomically) instead of returning it only. */
  output?: string;
  force?: boolean;
}

export interface KserveDeployResult {
  yaml: string;
  manifest: Record<string, unknown>;
  /** With runtime "ood": the ServingRuntime, written before the InferenceService. */
  servingRuntime?: Record<string, unknown>;
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
  const oodRuntime = options.runtime === 'ood';
  if (oodRuntime && !options.image)
    throw new OodError('KSERVE_NEEDS_IMAGE', '--runtime ood needs --image: the ood server image to run', {
      hint: 'Push it first: ood image ARTIFACT HOST/REPO:TAG --base NODE_IMAGE, then pass --image HOST/REPO:TAG.',
    });
  if (!oodRuntime && !options.storageUri)
    throw new OodError('KSERVE_NEEDS_STORAGE', '--storage-uri is needed unless --runtime ood', {
      hint: 'Pass --storage-uri oci://… (a modelcar) or s3:// gs:// pvc:// (a Triton repository).',
    });
  const storage = oodRuntime ? undefined : checkStorageUri(options.storageUri!);
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
  const name = options.name ?? kubernetesName(modelName);
  const sortedLabels = Object.fromEntries(Object.entries(labels).sort());
  const servingRuntime = oodRuntime
    ? buildServingRuntime({
        name: `${name.slice(0, 59)}-ood`,
        namespace: options.namespace,
        image: options.image!,
        cpu: options.cpu ?? '1',
        memory: options.memory ?? '2Gi',
        labels: sortedLabels,
      })
    : undefined;
  const manifest = buildInferenceService({
    ...options,
    storageUri: oodRuntime ? undefined : options.storageUri,
    runtime: servingRuntime ? (servingRuntime.metadata as { name: string }).name : options.runtime,
    name,
    labels: Object.fromEntries(Object.entries(labels).sort()),
    annotations,
  });
  const header =
    `# InferenceService for ${modelName}${version ? ` ${version}` : ''}, written by ood ${OOD_VERSION}.\n` +
    `# Apply with: kubectl apply -f FILE; the V2 endpoint is /v2/models/${modelName}/infer on the service's host.\n`;
  const yaml =
    header +
    (servingRuntime ? `${stringify(servingRuntime, { lineWidth: 0 })}---\n` : '') +
    stringify(manifest, { lineWidth: 0 });
  const notes: string[] = [];
  if (servingRuntime)
    notes.push(
      `the ServingRuntime ${(servingRuntime.metadata as { name: string }).name} runs ${options.image}; apply both documents`,
    );
  else if (storage === 'oci')
    notes.push(
      'oci:// storage needs modelcars enabled in KServe (inferenceservice-config ConfigMap, storageInitializer "enableModelcar": true)',
    );
  else
    notes.push(
      `${options.storageUri} must hold the Triton repository from \`ood export triton\` (DIR/${modelName}/config.pbtxt)`,
    );
  if (options.output) await writeFileAtomic(options.output, yaml);
  return { yaml, manifest, ...(servingRuntime ? { servingRuntime } : {}), output: options.output, notes };
}
