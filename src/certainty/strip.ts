// What an earlier `ood enable` added, so that `--force` can remove it before enabling again: every ood.*
// metadata entry, every node and initializer whose name starts with the ood/ prefix, and the score output.
// The model that remains is field for field the one that was first enabled.
import type { FieldRange } from '../onnx/wire.js';
import { WIRE_LEN } from '../onnx/wire.js';
import * as F from '../onnx/proto-fields.js';
import type { OnnxModel } from '../onnx/model.js';
import type { ValueInfo } from '../onnx/decode.js';
import { METADATA_KEYS, isCertaintyEnabled } from './metadata.js';

/** Prefix of every node, tensor and initializer name that enable adds. */
export const OOD_NAME_PREFIX = 'ood/';

/** Prefix of the metadata_props keys that enable writes. */
export const OOD_METADATA_PREFIX = 'ood.';

/** The earlier enablement found in a model, and the model as it was before it. */
export interface StripPlan {
  /** True when the metadata says the model was enabled. */
  enabled: boolean;
  /** The previous score output's name, if any. */
  previousOutput: string | undefined;
  dropTop: (f: FieldRange) => boolean;
  dropGraph: (f: FieldRange) => boolean;
  /** Graph outputs that remain. */
  outputs: ValueInfo[];
  /** Names still used by what remains (fresh names must avoid them). */
  used: Set<string>;
  removed: { nodes: number; initializers: number; outputs: number; metadata: number };
}

/** Work out what to drop. Nothing is dropped from a model whose metadata does not say it was enabled. */
export function planStrip(model: OnnxModel): StripPlan {
  const { info, layout } = model;
  const metadata = model.metadataMap;
  const enabled = isCertaintyEnabled(metadata);
  const previousOutput = metadata.get(METADATA_KEYS.output) || undefined;
  const ours = (name: string) => enabled && name.startsWith(OOD_NAME_PREFIX);
  const g = info.graph;
  const dropNode = g.nodes.map(
    (n) =>
      ours(n.name) ||
      n.outputs.some(ours) ||
      (enabled && previousOutput !== undefined && n.outputs.includes(previousOutput)),
  );
  const dropInit = g.initializers.map((t) => ours(t.name));
  const dropOutput = g.outputs.map((o) => ours(o.name) || (enabled && o.name === previousOutput));
  const dropValueInfo = g.valueInfo.map((v) => ours(v.name) || (enabled && v.name === previousOutput));
  const dropMeta = info.metadata.map((e) => enabled && e.key.startsWith(OOD_METADATA_PREFIX));

  const graphDrops = new Set<number>();
  const counters = { node: 0, init: 0, output: 0, valueInfo: 0 };
  for (const f of layout.graphFields) {
    if (f.wireType !== WIRE_LEN) continue;
    if (f.field === F.Graph.node && dropNode[counters.node++]) graphDrops.add(f.start);
    else if (f.field === F.Graph.initializer && dropInit[counters.init++]) graphDrops.add(f.start);
    else if (f.field === F.Graph.output && dropOutput[counters.output++]) graphDrops.add(f.start);
    else if (f.field === F.Graph.valueInfo && dropValueInfo[counters.valueInfo++]) graphDrops.add(f.start);
  }
  const topDrops = new Set<number>();
  let meta = 0;
  for (const f of layout.topFields) {
    if (f.field === F.Model.metadataProps && f.wireType === WIRE_LEN && dropMeta[meta++]) topDrops.add(f.start);
  }

  const outputs = g.outputs.filter((_, i) => !dropOutput[i]);
  const used = new Set<string>();
  for (const v of [...g.inputs, ...outputs, ...g.valueInfo.filter((_, i) => !dropValueInfo[i])]) used.add(v.name);
  for (const t of g.initializers.filter((_, i) => !dropInit[i])) used.add(t.name);
  for (const n of g.nodes.filter((_, i) => !dropNode[i])) {
    if (n.name) used.add(n.name);
    for (const x of [...n.inputs, ...n.outputs]) used.add(x);
  }
  const count = (flags: boolean[]) => flags.filter(Boolean).length;
  return {
    enabled,
    previousOutput,
    dropTop: (f) => topDrops.has(f.start),
    dropGraph: (f) => graphDrops.has(f.start),
    outputs,
    used,
    removed: {
      nodes: count(dropNode),
      initializers: count(dropInit),
      outputs: count(dropOutput),
      metadata: count(dropMeta),
    },
  };
}
