// A request whose batch is empty (shape [0, ...]) is answered without running the model: an onnxruntime kernel
// that divides by the row count raises SIGFPE on it and takes its process down (knn's TopK did, issue 12; with
// onnxruntime-node 1.30 today's knn graph answers zero rows, but another model's kernels may not). The
// answer has every output with a zero batch dimension, in the signature's datatypes and shapes.
import type { TensorSpec } from '../../artifact/spec.js';
import type { NamedTensor } from '../../tensor/tensor.js';
import { canBatch } from '../batcher.js';
import { allocate } from '../../tensor/tensor.js';

/** True when the signature has a batch dimension and some input comes with zero rows of it. */
export function isEmptyBatch(
  inputs: readonly NamedTensor[],
  signature: { inputs: readonly TensorSpec[]; outputs: readonly TensorSpec[] },
): boolean {
  return canBatch(signature.inputs, signature.outputs) && inputs.some((t) => t.shape[0] === 0);
}

/** Zero-row outputs: fixed dims as declared, symbolic dims as the inputs bound them, anything else 0. */
export function emptyOutputs(
  inputs: readonly NamedTensor[],
  signature: { inputs: readonly TensorSpec[]; outputs: readonly TensorSpec[] },
  names?: readonly string[],
): NamedTensor[] {
  const bound = new Map<string, number>();
  for (const spec of signature.inputs) {
    const given = inputs.find((t) => t.name === spec.name);
    spec.shape.forEach((d, i) => {
      if (typeof d === 'string' && given?.shape[i] !== undefined) bound.set(d, given.shape[i]!);
    });
  }
  const wanted = names ? signature.outputs.filter((t) => names.includes(t.name)) : signature.outputs;
  return wanted.map((spec) => {
    const shape = spec.shape.map((d, i) =>
      i === 0 ? 0 : typeof d === 'number' ? Math.max(0, d) : (bound.get(d) ?? 0),
    );
    return { name: spec.name, datatype: spec.datatype, shape, data: allocate(spec.datatype, 0) };
  });
}
