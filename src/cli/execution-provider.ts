// The execution provider an artifact records (`ood prepare --execution-provider cuda` → runtime.yaml
// EXECUTION_PROVIDER) against what `ood serve` and `ood verify` can honour: ood's engine runs every model on
// onnxruntime's CPU provider. An artifact recorded for another provider is refused with the reason rather than
// silently run on the CPU; `--execution-provider cpu` runs it there on purpose, with a warning.
import { OodError } from '../errors.js';

/** What ood's model server runs models on. */
export const SERVED_PROVIDERS = ['cpu'] as const;

/**
 * Check the recorded provider of `artifactPath` against `requested` (the command's --execution-provider).
 * Returns a warning to print, or throws EXECUTION_PROVIDER_UNAVAILABLE / BAD_OPTION.
 */
export async function checkExecutionProvider(
  artifactPath: string,
  requested: string | undefined,
  command: 'serve' | 'verify',
): Promise<string | undefined> {
  if (requested !== undefined && !(SERVED_PROVIDERS as readonly string[]).includes(requested))
    throw new OodError('BAD_OPTION', `--execution-provider ${requested}: ood ${command} runs models on the CPU only`, {
      hint: `Pass --execution-provider cpu, or give the model to an engine with ${requested} (see \`ood export triton --device gpu\`).`,
    });
  const recorded = await recordedProvider(artifactPath);
  if (recorded === undefined || recorded === 'cpu') return undefined;
  if (requested === 'cpu')
    return `runtime.yaml records EXECUTION_PROVIDER ${recorded}; running on the CPU as --execution-provider cpu asks`;
  throw new OodError(
    'EXECUTION_PROVIDER_UNAVAILABLE',
    `${artifactPath} was prepared for the ${recorded} execution provider, but ood ${command} runs models on the CPU only` +
      ` (${await providerNote(recorded)})`,
    {
      hint:
        `Run it on the CPU anyway with \`ood ${command} ${artifactPath} --execution-provider cpu\`, or serve it on a GPU ` +
        `engine: \`ood export triton ${artifactPath} -o model-repository --device gpu\`.`,
      details: { recorded, served: [...SERVED_PROVIDERS] },
    },
  );
}

/** runtime.yaml's EXECUTION_PROVIDER, or undefined when it cannot be read (the server reports that itself). */
async function recordedProvider(artifactPath: string): Promise<string | undefined> {
  const { openArtifact } = await import('../artifact/open.js');
  const artifact = await openArtifact(artifactPath).catch(() => undefined);
  if (!artifact) return undefined;
  try {
    const runtime = await artifact.runtime();
    return runtime.ok ? runtime.value.MODEL_DEPLOYMENT.INFERENCE_RUNTIME.EXECUTION_PROVIDER : undefined;
  } finally {
    await artifact.close();
  }
}

/** Whether this machine's onnxruntime-node carries the provider at all, for the message. */
async function providerNote(provider: string): Promise<string> {
  const ort = await import('onnxruntime-node');
  const backend = ort.listSupportedBackends().find((b) => b.name === provider);
  if (!backend) return `this onnxruntime-node has no ${provider} provider`;
  return backend.bundled
    ? `this onnxruntime-node bundles ${provider}, but ood's engine does not use it yet`
    : `this onnxruntime-node was installed without the ${provider} binaries`;
}
