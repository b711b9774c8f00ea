// TopK that computes for every batch size. onnxruntime's TopK kernel (1.30) divides by the row count and raises
// SIGFPE on a [0, K] input, which kills the whole server process (ours, Triton's, any onnxruntime host). So one
// constant row is appended before TopK and dropped after it: TopK always sees at least one row, and the rows
// that come out are exactly the batch's. ONNX ops used: Concat (axis attribute, opset 4+), TopK (K as an input,
// opset 10+), Slice (starts/ends/axes as inputs, opset 10+); all stable through opset 26.
import type { OpBuilder } from '../../onnx/op-builder.js';
import { encodeNode } from '../../onnx/encode.js';

/** The `k` largest values of each row of FP32 `x` [batch, columns], as [batch, k], sorted descending. */
export function topKValues(b: OpBuilder, x: string, columns: number, k: number): string {
  const padded = b.op('Concat', [x, b.floats('topk_pad_row', [1, columns], new Float32Array(columns))], {
    axis: { int: 0 },
  });
  const values = b.fresh('topk_values');
  b.nodes.push(
    encodeNode({
      opType: 'TopK',
      inputs: [padded, b.ints('topk_k', [1], [k])],
      outputs: [values, b.fresh('topk_indices')],
      name: b.fresh('topk_node'),
      attributes: { axis: { int: 1 }, largest: { int: 1 }, sorted: { int: 1 } },
    }),
  );
  // Rows [0, n): the padded row is the last one; ends = -1 counts from the end (Slice-10 semantics).
  return b.op('Slice', [
    values,
    b.ints('topk_rows_start', [1], [0]),
    b.ints('topk_rows_end', [1], [-1]),
    b.ints('topk_rows_axis', [1], [0]),
  ]);
}
