// A second copy of the model's final linear layer, fed from a reshaped activation instead of the real features,
// for the activation-shaping methods (ReAct, SCALE, ASH). The copy's nodes reference the original weight and
// bias initializers by name, so nothing is duplicated, and the original head never sees the shaped values.
import type { AttributeValue } from '../../onnx/encode.js';
import type { AttributeInfo, NodeInfo } from '../../onnx/decode.js';
import type { OpBuilder } from '../../onnx/op-builder.js';

function attributeValue(a: AttributeInfo): AttributeValue | undefined {
  if (a.f !== undefined) return { float: a.f };
  if (a.i !== undefined) return { int: a.i };
  if (a.s !== undefined) return { string: a.s };
  if (a.ints !== undefined) return { ints: a.ints };
  if (a.floats !== undefined) return { floats: a.floats };
  return undefined;
}

/** The attributes of `node` in the encoder's form. */
export function copyAttributes(node: NodeInfo): Record<string, AttributeValue> {
  const attributes: Record<string, AttributeValue> = {};
  for (const a of node.attributes) {
    const v = attributeValue(a);
    if (v) attributes[a.name] = v;
  }
  return attributes;
}

/**
 * Append the head's nodes again with `features` replaced by `shaped`; returns the copy's logits. Tensors the
 * head computes get fresh names; weights and biases keep theirs, so they are shared.
 */
export function appendHeadCopy(b: OpBuilder, head: readonly NodeInfo[], features: string, shaped: string): string {
  const twin = new Map([[features, shaped]]);
  let x = shaped;
  for (const node of head) {
    x = b.op(
      node.opType,
      node.inputs.map((i) => twin.get(i) ?? i),
      copyAttributes(node),
    );
    twin.set(node.outputs[0]!, x);
  }
  return x;
}
