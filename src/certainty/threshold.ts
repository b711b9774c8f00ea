// The score threshold that rejects 5% of in-distribution inputs, recorded in the metadata (ood.threshold) for
// servers that count OOD-looking requests: a request whose ood_scores is below it is unusual for the training
// data at the 5% level. It is measured on rows the map was not built from (auto's validation part) when there
// are any, else on the calibration rows, by running the enabled graph's own normalization map in onnxruntime, so
// the number is the float32 one a server sees.
import type { OnnxModel } from '../onnx/model.js';
import { OpBuilder } from '../onnx/op-builder.js';
import { encodeGraphOutput } from '../onnx/encode.js';
import { ONNX_FLOAT } from '../tensor/datatypes.js';
import type { ScoreMap } from './score-graph.js';
import { buildCdfMap } from './normalize-cdf.js';
import { buildPercentileMap } from './normalize-percentile.js';
import { encodeFloatRowsInput, openHeadSession, runRows } from './features/head-model.js';
import { quantile, sortScores, toFloat32Record } from './statistics.js';
import { OOD_NAME_PREFIX } from './strip.js';

/** The in-distribution rejection rate the threshold is set for. */
export const ID_REJECTION_RATE = 0.05;

/** What ood.threshold records. */
export interface ThresholdRecord {
  /** Fraction of in-distribution rows scoring below `score`. */
  idRejection: number;
  /** The ood_scores value: reject (flag as OOD) when ood_scores < score. */
  score: number;
  /** Rows it was measured on, and which part of the data they were. */
  rows: number;
  measuredOn: 'validation' | 'calibration';
}

/** Apply `map` to raw scores with onnxruntime (the identity when the map is none). */
export async function applyMap(
  model: OnnxModel,
  map: ScoreMap,
  raw: Float32Array,
  workDir: string,
): Promise<Float32Array> {
  if (map.kind === 'none') return raw;
  const b = new OpBuilder({ opset: model.defaultOpset, used: new Set(), prefix: OOD_NAME_PREFIX });
  const input = b.fresh('raw');
  const output = b.fresh('mapped');
  if (map.kind === 'cdf') buildCdfMap(b, input, map.knots, output);
  else buildPercentileMap(b, input, map.map, output);
  const fields = [
    encodeFloatRowsInput(input, 1),
    ...b.nodes,
    ...b.initializers,
    encodeGraphOutput(output, ONNX_FLOAT, null),
  ];
  const scoring = await openHeadSession(model, [], fields, false, workDir);
  try {
    return (await runRows(scoring.session, { [input]: { data: raw, width: 1 } }, raw.length, output)).data;
  } finally {
    await scoring.dispose();
  }
}

/** The threshold on the output score that rejects ID_REJECTION_RATE of `raw` (held-out raw scores). */
export async function measureThreshold(
  model: OnnxModel,
  map: ScoreMap,
  raw: Float32Array,
  measuredOn: ThresholdRecord['measuredOn'],
  workDir: string,
): Promise<ThresholdRecord> {
  const scores = await applyMap(model, map, raw, workDir);
  return {
    idRejection: ID_REJECTION_RATE,
    score: toFloat32Record(quantile(sortScores(scores), ID_REJECTION_RATE)),
    rows: raw.length,
    measuredOn,
  };
}
