// Which tensor holds the penultimate features: the input of the final linear layer that produces the logits.
// The default rule walks back from the logits output through one optional bias Add to a Gemm (transA = 0) or a
// MatMul, and takes its data input. `--features NAME` overrides it with any tensor of the graph.
import { OodError } from '../../errors.js';
import type { NodeInfo } from '../../onnx/decode.js';
import type { OnnxModel } from '../../onnx/model.js';

/** The feature tensor a feature-space method reads, and how it was found. */
export interface FeatureChoice {
  name: string;
  /** The layer the features feed ('Gemm', 'MatMul'), or 'requested' for --features. */
  via: 'Gemm' | 'MatMul' | 'requested';
  /** The final linear layer, features → logits, in graph order (Gemm, or MatMul then an optional bias Add). */
  head?: NodeInfo[];
}

function producerOf(nodes: readonly NodeInfo[], tensor: string): NodeInfo | undefined {
  for (let i = nodes.length - 1; i >= 0; i--) if (nodes[i]!.outputs.includes(tensor)) return nodes[i];
  return undefined;
}

function transA(node: NodeInfo): number {
  return Number(node.attributes.find((a) => a.name === 'transA')?.i ?? 0n);
}

/** Find the features for `logits` in `model`, or check the tensor the user named. */
export function findFeatures(model: OnnxModel, logits: string, requested?: string): FeatureChoice {
  const g = model.info.graph;
  const initializers = new Set(g.initializers.map((t) => t.name));
  if (requested !== undefined) {
    const known = g.nodes.some((n) => n.outputs.includes(requested)) || g.inputs.some((i) => i.name === requested);
    if (!known || initializers.has(requested)) {
      throw new OodError('FEATURES_NOT_FOUND', `--features ${requested} is not a tensor the graph computes`, {
        hint: 'Name the output of a node (for example the input of the last Gemm/MatMul; Netron shows the names).',
      });
    }
    return { name: requested, via: 'requested' };
  }
  let node = producerOf(g.nodes, logits);
  const bias = node && node.opType === 'Add' && node.domain === '' ? node : undefined;
  if (node && node.opType === 'Add' && node.domain === '') {
    const [a, b] = node.inputs;
    const fromLinear = [a, b]
      .map((x) => (x && !initializers.has(x) ? producerOf(g.nodes, x) : undefined))
      .find((n) => n?.opType === 'MatMul');
    node = fromLinear ?? node;
  }
  const dataInput = node?.inputs[0];
  const linear =
    node !== undefined &&
    node.domain === '' &&
    (node.opType === 'MatMul' || (node.opType === 'Gemm' && transA(node) === 0));
  if (!node || !linear || !dataInput || initializers.has(dataInput)) {
    throw new OodError(
      'FEATURES_NOT_FOUND',
      `cannot find the penultimate features of ${logits}: it is computed by ${node ? `a ${node.opType} node` : 'no node'}, not by a final Gemm or MatMul`,
      {
        hint: 'Pass --features NAME with the tensor that feeds the last linear layer, [batch, features].',
      },
    );
  }
  const head = bias && bias !== node ? [node, bias] : [node];
  return { name: dataInput, via: node.opType as 'Gemm' | 'MatMul', head };
}

/** Elementwise ops between a linear layer and the features it produces (activation, normalisation-free). */
const ELEMENTWISE = new Set(['Relu', 'LeakyRelu', 'Elu', 'Selu', 'Sigmoid', 'Tanh', 'Gelu', 'HardSwish', 'Identity']);

/**
 * The input of the linear layer before the penultimate features, when the network has one: walk back from the
 * features through elementwise activations (and a bias Add) to a Gemm (transA = 0) or MatMul and take its data
 * input, if it is a computed tensor. For a CNN with a two-layer head this is the flattened convolutional map
 * (the digits and Fashion-MNIST models: 256 and 32·7·7 = 1568 features); for ResNet (one linear layer) there is none.
 */
export function findPreviousLayer(model: OnnxModel, features: string): string | undefined {
  const g = model.info.graph;
  const initializers = new Set(g.initializers.map((t) => t.name));
  let node = producerOf(g.nodes, features);
  while (node && node.domain === '' && ELEMENTWISE.has(node.opType)) node = producerOf(g.nodes, node.inputs[0] ?? '');
  if (node && node.domain === '' && node.opType === 'Add') {
    const linear = node.inputs
      .map((x) => (x && !initializers.has(x) ? producerOf(g.nodes, x) : undefined))
      .find((n) => n?.opType === 'MatMul');
    node = linear ?? node;
  }
  if (!node || node.domain !== '' || !(node.opType === 'MatMul' || (node.opType === 'Gemm' && transA(node) === 0)))
    return undefined;
  const input = node.inputs[0];
  const computed = input !== undefined && g.nodes.some((n) => n.outputs.includes(input));
  return computed && !initializers.has(input) ? input : undefined;
}
