// The subgraph enable appends: logits → (Cast to FP32) → method score → (normalization map) → score output
// FP32 [batch, 1]. Only new nodes, initializers and one graph output; nothing of the model is touched.
import { OpBuilder } from '../onnx/op-builder.js';
import { encodeGraphOutput } from '../onnx/encode.js';
import { ONNX_FLOAT } from '../tensor/datatypes.js';
import type { LogitsChoice } from './logits.js';
import type { ScoreMethod } from './methods/index.js';
import { buildCdfMap, type CdfKnots } from './normalize-cdf.js';
import { buildPercentileMap, type PercentileMap } from './normalize-percentile.js';
import { OOD_NAME_PREFIX } from './strip.js';

/** How the raw score becomes the output. */
export type ScoreMap = { kind: 'none' } | { kind: 'cdf'; knots: CdfKnots } | { kind: 'percentile'; map: PercentileMap };

export interface ScoreGraphSpec {
  opset: number;
  used: ReadonlySet<string>;
  logits: LogitsChoice;
  method: ScoreMethod;
  temperature: number;
  map: ScoreMap;
  /** Name of the score output. */
  output: string;
  docString: string;
}

/** Serialized GraphProto fields to append, and how many nodes they hold. */
export interface ScoreGraph {
  fields: Buffer[];
  nodes: number;
  initializers: number;
}

/** Build the subgraph. The caller has checked that `output` is free. */
export function buildScoreGraph(spec: ScoreGraphSpec): ScoreGraph {
  const b = new OpBuilder({ opset: spec.opset, used: spec.used, prefix: OOD_NAME_PREFIX });
  b.reserve(spec.output);
  const logits = spec.logits.elemType === ONNX_FLOAT ? spec.logits.name : b.cast(spec.logits.name, ONNX_FLOAT);
  const map = spec.map;
  const declared = spec.logits.shape?.[1];
  const classes = typeof declared === 'number' ? declared : undefined;
  if (map.kind === 'none') {
    spec.method.build(b, logits, spec.temperature, spec.output, classes);
  } else {
    const raw = b.fresh('raw_score');
    spec.method.build(b, logits, spec.temperature, raw, classes);
    if (map.kind === 'cdf') buildCdfMap(b, raw, map.knots, spec.output);
    else buildPercentileMap(b, raw, map.map, spec.output);
  }
  const output = encodeGraphOutput(spec.output, ONNX_FLOAT, [spec.logits.batchDim, 1], spec.docString);
  return {
    fields: [...b.nodes, ...b.initializers, output],
    nodes: b.nodes.length,
    initializers: b.initializers.length,
  };
}
