// Whether a model's signature can be batched at all: the rule dynamic batching (engine/scheduler.ts) and the
// empty-batch answer (engine/empty-batch.ts) share. The row operations themselves live in src/tensor/rows.ts.
import type { TensorSpec } from '../artifact/spec.js';

/**
 * True when every input and output has a dynamic first dimension, and the named ones share one name (e.g.
 * "batch"), so rows can be merged and split. The server cannot prove that dimension is a batch, which is why
 * batching is opt-in.
 */
export function canBatch(inputs: readonly TensorSpec[], outputs: readonly TensorSpec[]): boolean {
  const all = [...inputs, ...outputs];
  const dynamicFirst = (t: TensorSpec) =>
    t.shape.length > 0 && (typeof t.shape[0] === 'string' || (t.shape[0] as number) < 0);
  const names = new Set(all.map((t) => t.shape[0]).filter((d) => typeof d === 'string'));
  return inputs.length > 0 && all.every(dynamicFirst) && names.size <= 1;
}
