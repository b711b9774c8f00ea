// The final linear layer's weights as numbers, for methods whose fit needs them (ViM's origin, fDBD's
// decision-boundary distances). ONNX stores them in many ways (Gemm with transB, MatMul plus Add, FP16, external
// data), so instead of decoding initializers ood runs the head itself on probe rows: the zero row gives the bias
// b, and the unit row e_j gives b + W[:, j]. Exact for any affine head, in whatever form it was exported.
import { OodError } from '../../errors.js';
import type { NodeInfo } from '../../onnx/decode.js';
import type { OnnxModel } from '../../onnx/model.js';
import { encodeGraphOutput } from '../../onnx/encode.js';
import { ONNX_FLOAT } from '../../tensor/datatypes.js';
import type { LinearHead } from '../methods/feature-method.js';
import { encodeFloatRowsInput, openHeadSession, runRows } from './head-model.js';

/** Read W and b of `head`, whose data input is `features` of width `dim`. */
export async function readLinearHead(
  model: OnnxModel,
  head: readonly NodeInfo[],
  features: string,
  dim: number,
  workDir: string,
): Promise<LinearHead> {
  const logits = head[head.length - 1]!.outputs[0]!;
  const scoring = await openHeadSession(
    model,
    head,
    [encodeFloatRowsInput(features, dim), encodeGraphOutput(logits, ONNX_FLOAT, null)],
    true,
    workDir,
  );
  const probes = new Float32Array((dim + 1) * dim);
  for (let j = 0; j < dim; j++) probes[(j + 1) * dim + j] = 1;
  let out: Float32Array;
  try {
    out = (await runRows(scoring.session, { [features]: { data: probes, width: dim } }, dim + 1, logits)).data;
  } catch (err) {
    throw new OodError(
      'HEAD_UNREADABLE',
      `cannot run the final layer of the model on its own: ${(err as Error).message}`,
      {
        hint: 'Pass --features NAME and use a method that does not need the final layer (mahalanobis, knn).',
        cause: err,
      },
    );
  } finally {
    await scoring.dispose();
  }
  const classes = out.length / (dim + 1);
  const bias = Float64Array.from(out.subarray(0, classes));
  const weight = new Float64Array(classes * dim);
  for (let j = 0; j < dim; j++)
    for (let c = 0; c < classes; c++) weight[c * dim + j] = out[(j + 1) * classes + c]! - bias[c]!;
  return { weight, bias, classes, dim };
}
