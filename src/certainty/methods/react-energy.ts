// ReAct (Sun, Guo & Li, "ReAct: Out-of-distribution Detection With Rectified Activations", NeurIPS 2021): clip
// the penultimate activations at a high percentile of their in-distribution values, recompute the logits with the
// model's own final layer, and take their energy, logsumexp(logits'). Higher means more in-distribution.
import { OodError } from '../../errors.js';
import type { AttributeValue } from '../../onnx/encode.js';
import type { AttributeInfo } from '../../onnx/decode.js';
import type { FeatureMethod } from './feature-method.js';

const DEFAULT_CLIP_PERCENTILE = 90;

function attributeValue(a: AttributeInfo): AttributeValue | undefined {
  if (a.f !== undefined) return { float: a.f };
  if (a.i !== undefined) return { int: a.i };
  if (a.s !== undefined) return { string: a.s };
  if (a.ints !== undefined) return { ints: a.ints };
  if (a.floats !== undefined) return { floats: a.floats };
  return undefined;
}

/**
 * In the graph: Min(features, c) feeds a copy of the final layer's nodes (same op, attributes and weight tensors,
 * which are referenced, not copied), then ReduceLogSumExp over the classes (axes attribute before opset 18).
 */
export const reactEnergy: FeatureMethod = {
  name: 'react-energy',
  summary: 'energy of the logits recomputed from penultimate features clipped at their 90th ID percentile (ReAct)',
  fit(sample, options, context) {
    const head = context.head;
    if (!head) {
      throw new OodError(
        'REACT_NEEDS_HEAD',
        'react-energy recomputes the logits with the final Gemm/MatMul, which --features bypasses',
        {
          kind: 'usage',
          hint: 'Drop --features so that ood finds the input of the final linear layer, or use --method mahalanobis or knn.',
        },
      );
    }
    const p = options.clipPercentile ?? DEFAULT_CLIP_PERCENTILE;
    if (!(p > 0 && p <= 100))
      throw new OodError('REACT_BAD_PERCENTILE', `clip percentile must be in (0, 100], got ${p}`, {
        kind: 'usage',
        hint: 'Use e.g. 90.',
      });
    const sorted = Float32Array.from(sample.features).sort();
    const clip = sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
    return {
      parameters: { clipPercentile: p, clip, dim: sample.dim, samples: sample.count },
      build(b, features, out) {
        // Original tensor name → its recomputed twin; weights and biases are not renamed, so they are shared.
        const twin = new Map([[features, b.binary('Min', features, b.floats('react_clip', [], [clip]))]]);
        let x = twin.get(features)!;
        for (const node of head) {
          const attributes: Record<string, AttributeValue> = {};
          for (const a of node.attributes) {
            const v = attributeValue(a);
            if (v) attributes[a.name] = v;
          }
          x = b.op(
            node.opType,
            node.inputs.map((i) => twin.get(i) ?? i),
            attributes,
          );
          twin.set(node.outputs[0]!, x);
        }
        b.reduce('ReduceLogSumExp', x, [1], true, out);
      },
    };
  },
};
