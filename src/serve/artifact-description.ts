// What the server reads from an artifact before any model runs, through the one artifact reader (validated
// documents): its identity and signature (runtime.yaml, the I/O schemas, evaluation.json's headline), and the
// inputs that prove a freshly loaded instance: the artifact's own sample.json when it has one, else one synthetic
// row of zeros per input.
import { basename } from 'node:path';
import { OodError } from '../errors.js';
import { ARTIFACT_FILES } from '../artifact/spec.js';
import { summarizeEvaluation } from '../artifact/evaluation.js';
import { requireDocument, type ArtifactReader } from '../artifact/open.js';
import { allocate, type NamedTensor } from '../tensor/tensor.js';
import type { ModelDescription } from './served-model.js';
import { decodeV2Request } from './v2-request.js';

/** Read the artifact's identity and signature; throws OodError when a required document is missing or invalid. */
export async function describeArtifact(reader: ArtifactReader): Promise<ModelDescription> {
  // runtime.yaml is optional to the server (defaults: the directory's name, score.mjs), but never unvalidated.
  const runtime = reader.has(ARTIFACT_FILES.runtime)
    ? requireDocument(await reader.runtime(), ARTIFACT_FILES.runtime)
    : null;
  const input = requireDocument(await reader.inputSchema(), ARTIFACT_FILES.inputSchema);
  const output = requireDocument(await reader.outputSchema(), ARTIFACT_FILES.outputSchema);
  const details = runtime?.MODEL_DETAILS;
  // An evaluation is informative only: an absent or invalid file means "none" (introspect reports why).
  const stored = await reader.evaluation();
  return {
    name: details?.NAME ?? basename(reader.path).replace(/\.zip$/, ''),
    version: String(details?.VERSION ?? '1'),
    inputs: [...input.tensors].sort((a, b) => a.order - b.order),
    outputs: [...output.tensors].sort((a, b) => a.order - b.order),
    runtime,
    evaluation: stored.ok && stored.value ? summarizeEvaluation(stored.value) : null,
    labels: requireDocument(await reader.labels(), ARTIFACT_FILES.labels),
  };
}

/** The entrypoint module runtime.yaml names (score.mjs by default). */
export function entrypointOf(description: ModelDescription): string {
  return description.runtime?.MODEL_DEPLOYMENT?.INFERENCE_RUNTIME?.ENTRYPOINT ?? ARTIFACT_FILES.score;
}

/**
 * The warm-up request: sample.json decoded against the signature (a sample that does not fit is a load failure,
 * since the artifact contradicts itself), or one row of zeros per input (dynamic dims = 1), marked synthetic.
 */
export async function warmupInputs(
  reader: ArtifactReader,
  description: ModelDescription,
): Promise<{ inputs: NamedTensor[]; synthetic: boolean }> {
  if (reader.has(ARTIFACT_FILES.sample)) {
    const sample = await reader.sample();
    try {
      const request = requireDocument(sample, ARTIFACT_FILES.sample);
      if (request) return { inputs: decodeV2Request(request, Buffer.alloc(0), description).inputs, synthetic: false };
    } catch (err) {
      throw new OodError(
        'SAMPLE_INVALID',
        `the artifact's sample.json is not a request this model takes: ${(err as Error).message}`,
        {
          hint: 'Rebuild the artifact with `ood prepare --sample`, then check it with `ood introspect`.',
        },
      );
    }
  }
  const inputs = description.inputs.map((t) => {
    const shape = t.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : 1));
    return {
      name: t.name,
      datatype: t.datatype,
      shape,
      data: allocate(
        t.datatype,
        shape.reduce((a, b) => a * b, 1),
      ),
    };
  });
  return { inputs, synthetic: true };
}
