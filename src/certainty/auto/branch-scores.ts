// Raw scores of a candidate method from collected features and logits, without running the network again: the
// method's side branch, built exactly as `ood enable` builds it, in a model cut down to the final layer's
// weights (head-model.ts) whose inputs are the features and the logits. One collection then serves every
// candidate of `--method auto`.
import { performance } from 'node:perf_hooks';
import type { OnnxModel } from '../../onnx/model.js';
import type { NodeInfo } from '../../onnx/decode.js';
import { OpBuilder } from '../../onnx/op-builder.js';
import { ONNX_FLOAT } from '../../tensor/datatypes.js';
import { buildScoreGraph } from '../score-graph.js';
import type { ScoreMethod } from '../methods/method.js';
import type { FeatureSample } from '../features/collect-features.js';
import { encodeFloatRowsInput, openHeadSession, runRows } from '../features/head-model.js';
import { OOD_NAME_PREFIX } from '../strip.js';

/** Where the branch reads from, in the original graph's names. */
export interface BranchSource {
  model: OnnxModel;
  opset: number;
  used: ReadonlySet<string>;
  logits: string;
  /** Undefined for a model whose features ood could not find (logit methods only). */
  features?: string;
  /** The input of the linear layer before the features, fed too when the sets hold it (knn --knn-layer previous). */
  previous?: string;
  head?: readonly NodeInfo[];
  workDir: string;
}

/** Raw scores of `method` on each sample set, and the median time per row of scoring them. */
export async function scoreBranch(
  source: BranchSource,
  method: ScoreMethod,
  temperature: number,
  sets: readonly FeatureSample[],
): Promise<{ scores: Float32Array[]; secondsPerRow: number }> {
  const first = sets[0]!;
  const output = new OpBuilder({ opset: source.opset, used: source.used, prefix: OOD_NAME_PREFIX }).fresh(
    'branch_score',
  );
  const logits = {
    name: source.logits,
    elemType: ONNX_FLOAT,
    shape: ['batch', first.classes],
    batchDim: 'batch',
    candidates: [],
  };
  const graph = buildScoreGraph({
    opset: source.opset,
    used: source.used,
    logits,
    method,
    temperature,
    map: { kind: 'none' },
    output,
    docString: '',
  });
  const inputs = [encodeFloatRowsInput(source.logits, first.classes)];
  if (source.features) inputs.push(encodeFloatRowsInput(source.features, first.dim));
  const previous = source.previous && first.previous ? source.previous : undefined;
  if (previous) inputs.push(encodeFloatRowsInput(previous, first.previous!.dim));
  const scoring = await openHeadSession(
    source.model,
    source.head ?? [],
    [...inputs, ...graph.fields],
    false,
    source.workDir,
  );
  try {
    const scores: Float32Array[] = [];
    const times: number[] = [];
    for (const set of sets) {
      const feeds: Record<string, { data: Float32Array; width: number }> = {
        [source.logits]: { data: set.logits, width: set.classes },
      };
      if (source.features) feeds[source.features] = { data: set.features, width: set.dim };
      if (previous) {
        if (!set.previous) throw new Error('internal: a validation set was collected without the previous layer');
        feeds[previous] = { data: set.previous.features, width: set.previous.dim };
      }
      const start = performance.now();
      scores.push((await runRows(scoring.session, feeds, set.count, output)).data);
      times.push((performance.now() - start) / 1000 / Math.max(1, set.count));
    }
    times.sort((a, b) => a - b);
    return { scores, secondsPerRow: times[times.length >> 1]! };
  } finally {
    await scoring.dispose();
  }
}
