// "The same graph without the certainty branch": the enabled model with its score output removed and the
// nodes and initializers that only fed it dropped. Running it next to the enabled model shows whether adding
// the branch changed the model's own outputs, even when the original file is not at hand.
import type { OnnxModel } from '../onnx/model.js';
import type { ModelEdit } from '../onnx/model-writer.js';
import { editModelToBuffer } from '../onnx/model-writer.js';
import * as F from '../onnx/proto-fields.js';

/** Attribute types that carry subgraphs (GRAPH, GRAPHS), whose outer-scope reads we cannot see from inputs. */
const SUBGRAPH_ATTRIBUTE_TYPES = new Set([5, 10]);

/** The edit that removes `scoreOutput` and, when safe, the dead nodes it leaves behind. */
export function stripOutputEdit(model: OnnxModel, scoreOutput: string): ModelEdit {
  const g = model.info.graph;
  const keptOutputs = g.outputs.filter((o) => o.name !== scoreOutput).map((o) => o.name);
  const hasSubgraphs = g.nodes.some((n) => n.attributes.some((a) => SUBGRAPH_ATTRIBUTE_TYPES.has(a.type)));
  // Dead-code elimination from the kept outputs backwards. Skipped when subgraphs could read values implicitly.
  const liveNodes = new Set<number>();
  const needed = new Set(keptOutputs);
  if (hasSubgraphs) g.nodes.forEach((_, i) => liveNodes.add(i));
  else {
    for (let i = g.nodes.length - 1; i >= 0; i--) {
      const node = g.nodes[i]!;
      if (node.outputs.some((o) => needed.has(o))) {
        liveNodes.add(i);
        for (const input of node.inputs) if (input) needed.add(input);
      }
    }
  }
  // Graph fields come in file order; count node and output fields to match them with `info`. Initializers
  // that only the branch used stay: onnxruntime ignores them, and IR < 4 may list them as graph inputs.
  const counters = { node: 0, output: 0 };
  const dropped = new Set<number>();
  for (const f of model.layout.graphFields) {
    if (f.field === F.Graph.node && !liveNodes.has(counters.node++)) dropped.add(f.start);
    else if (f.field === F.Graph.output && g.outputs[counters.output++]?.name === scoreOutput) dropped.add(f.start);
  }
  return { dropGraph: (f) => dropped.has(f.start) };
}

/** The stripped model as bytes, ready for an onnxruntime session. */
export function stripCertaintyBranch(model: OnnxModel, scoreOutput: string): Buffer {
  return editModelToBuffer(model, stripOutputEdit(model, scoreOutput));
}
