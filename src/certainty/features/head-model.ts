// Small models cut from the original one: its final linear layer (the head) and nothing else, with the features
// and logits as graph inputs. They let ood read the head's weights by probing it, and score a candidate method
// on features collected once, without running the whole network again for every candidate. The cut copies the
// head's weight initializers byte for byte (model-writer.ts) and drops every other graph field.
import * as ort from 'onnxruntime-node';
import type { NodeInfo } from '../../onnx/decode.js';
import type { OnnxModel } from '../../onnx/model.js';
import type { FieldRange } from '../../onnx/wire.js';
import * as F from '../../onnx/proto-fields.js';
import { encodeNode, encodeTensorValueInfo } from '../../onnx/encode.js';
import { lenField } from '../../onnx/wire.js';
import { ONNX_FLOAT } from '../../tensor/datatypes.js';
import { openScoringSession, type ScoringSession } from '../scoring-session.js';
import { copyAttributes } from '../methods/head-graph.js';

/** Graph fields of `model` to keep: the initializers the head reads (all other nodes, inputs and outputs go). */
function keepOnly(model: OnnxModel, head: readonly NodeInfo[]): (f: FieldRange) => boolean {
  const needed = new Set(head.flatMap((n) => n.inputs));
  const g = model.info.graph;
  const keep = new Set<number>();
  let index = 0;
  for (const f of model.layout.graphFields) {
    if (f.field !== F.Graph.initializer) continue;
    if (needed.has(g.initializers[index]?.name ?? '')) keep.add(f.start);
    index++;
  }
  const dropped = new Set<number>([
    F.Graph.node,
    F.Graph.input,
    F.Graph.output,
    F.Graph.valueInfo,
    F.Graph.initializer,
    F.Graph.sparseInitializer,
    F.Graph.quantizationAnnotation,
  ]);
  return (f) => dropped.has(f.field) && !keep.has(f.start);
}

/**
 * A session over the head alone, plus `appendGraph` (inputs, extra nodes, outputs the caller encodes).
 * `withHeadNodes` adds the head's own nodes, so its output (the logits) is computed from the features input.
 */
export async function openHeadSession(
  model: OnnxModel,
  head: readonly NodeInfo[],
  appendGraph: Uint8Array[],
  withHeadNodes: boolean,
  workDir: string,
): Promise<ScoringSession> {
  const nodes = withHeadNodes
    ? head.map((n) =>
        encodeNode({
          opType: n.opType,
          inputs: n.inputs,
          outputs: n.outputs.slice(0, 1),
          name: n.name,
          attributes: copyAttributes(n),
        }),
      )
    : [];
  return openScoringSession(
    model,
    { dropGraph: keepOnly(model, head), appendGraph: [...nodes, ...appendGraph] },
    workDir,
  );
}

/** A GraphProto.input field: FP32 [batch, width]. */
export function encodeFloatRowsInput(name: string, width: number): Buffer {
  return lenField(F.Graph.input, encodeTensorValueInfo(name, ONNX_FLOAT, ['batch', width]));
}

/** Run `session` over `rows` rows of row-major FP32 inputs, in slices; returns its FP32 output `output`. */
export async function runRows(
  session: ort.InferenceSession,
  inputs: Record<string, { data: Float32Array; width: number }>,
  rows: number,
  output: string,
  slice = 4096,
): Promise<{ data: Float32Array; width: number }> {
  const parts: Float32Array[] = [];
  let width = 0;
  for (let start = 0; start === 0 || start < rows; start += slice) {
    const n = Math.min(slice, rows - start);
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(inputs))
      feeds[name] = new ort.Tensor('float32', t.data.subarray(start * t.width, (start + n) * t.width), [n, t.width]);
    const out = (await session.run(feeds, [output]))[output]!;
    width = Number(out.dims[1] ?? 1);
    parts.push((out.data as Float32Array).slice(0, n * width));
  }
  const data = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.length;
  }
  return { data, width };
}
