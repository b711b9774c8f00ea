// The calibration step of enable: build the unnormalized score graph, run it over the data with
// onnxruntime-node, and turn the raw scores into the statistics and the normalization map that get baked in.
import { dirname, resolve } from 'node:path';
import { OodError } from '../errors.js';
import type { OnnxModel } from '../onnx/model.js';
import type { CalibrationRecord } from './metadata.js';
import type { StripPlan } from './strip.js';
import { buildScoreGraph, type ScoreGraphSpec, type ScoreMap } from './score-graph.js';
import type { ResolvedEnableOptions } from './enable-options.js';
import { openCalibrationData } from './data/open-data.js';
import { openScoringSession } from './scoring-session.js';
import { collectRawScores } from './calibrate.js';
import { sortScores, summarize, quantile, toFloat32Record } from './statistics.js';
import { cdfKnots, CDF_LEVELS } from './normalize-cdf.js';
import { percentileMap } from './normalize-percentile.js';
import { OpBuilder } from '../onnx/op-builder.js';
import { OOD_NAME_PREFIX } from './strip.js';
import { stack } from './features/collect-features.js';

/** Calibration statistics and the map to bake. */
export interface CalibrationOutcome {
  record: CalibrationRecord;
  map: ScoreMap;
  /** Raw scores of every row, in data order (tests and benchmarks compare against them). */
  rawScores: Float64Array;
  /** The rows the map was built from (all rows when no method was fitted). */
  calibrationRows: Int32Array;
  /** The logits of every row, FP32 row-major, when the logits output is FP32 (for the warnings). */
  logits?: Float32Array;
}

/** Which rows calibrate, and which logits output to keep. */
export interface CalibrationRows {
  /** Row indices that build the map; default: every row. */
  rows?: Int32Array;
  /** Keep this output's values (FP32 logits) for every row. */
  logits?: string;
}

type BaseSpec = Omit<ScoreGraphSpec, 'map' | 'docString'>;

/** Score the data with the raw graph and derive the normalization. */
export async function calibrateModel(
  model: OnnxModel,
  strip: StripPlan,
  base: BaseSpec,
  o: ResolvedEnableOptions,
  select: CalibrationRows = {},
): Promise<CalibrationOutcome> {
  const workDir = dirname(resolve(o.output));
  const inputs = model.info.graph.inputs;
  const data = await openCalibrationData(o.data!, inputs, o.image);
  try {
    if (data.count < 2) {
      throw new OodError(
        'DATA_TOO_SMALL',
        `the data set has ${data.count} sample(s); calibration needs at least 2 (100 or more is better)`,
        {
          hint: 'Pass more in-distribution samples with --data.',
        },
      );
    }
    const rawName = new OpBuilder({
      opset: base.opset,
      used: new Set([...base.used, base.output]),
      prefix: OOD_NAME_PREFIX,
    }).fresh('calibration_score');
    const graph = buildScoreGraph({ ...base, output: rawName, map: { kind: 'none' }, docString: '' });
    const scoring = await openScoringSession(
      model,
      { dropTop: strip.dropTop, dropGraph: strip.dropGraph, appendGraph: graph.fields },
      workDir,
    );
    let raw: Float64Array;
    const logitParts: Float32Array[] = [];
    try {
      raw = await collectRawScores(scoring.session, data, {
        scoreOutput: rawName,
        inputs,
        batchSize: o.batchSize,
        onProgress: o.onProgress,
        alsoFetch: select.logits,
        onFetched: (t, rows) => {
          if (t.type === 'float32')
            logitParts.push((t.data as Float32Array).slice(0, (t.size / Number(t.dims[0])) * rows));
        },
      });
    } finally {
      await scoring.dispose();
    }
    const rows = select.rows ?? Int32Array.from({ length: raw.length }, (_, i) => i);
    const calibrationRaw = Float64Array.from(rows, (r) => raw[r]!);
    const logits = logitParts.length > 0 ? stack(logitParts) : undefined;
    return {
      ...deriveNormalization(calibrationRaw, o.normalize, o.percentile),
      rawScores: raw,
      calibrationRows: rows,
      ...(logits && logits.length > 0 ? { logits } : {}),
    };
  } finally {
    data.close();
  }
}

/** Statistics and map for raw scores under a normalization. */
export function deriveNormalization(
  raw: Float64Array,
  normalize: string,
  percentile: number,
): { record: CalibrationRecord; map: ScoreMap } {
  const sorted = sortScores(raw);
  const s = summarize(sorted);
  const stats = { samples: s.samples, mean: s.mean, std: s.std, min: s.min, max: s.max };
  if (normalize === 'cdf') {
    const knots = cdfKnots(sorted);
    return {
      record: { ...stats, levels: knots.y, quantiles: knots.x, spread: knots.spread },
      map: { kind: 'cdf', knots },
    };
  }
  const k = Math.min(CDF_LEVELS, sorted.length);
  const levels = Array.from({ length: k }, (_, i) => Math.round((i / (k - 1)) * 1e6) / 1e6);
  const quantiles = levels.map((l) => toFloat32Record(quantile(sorted, l)));
  if (normalize === 'percentile') {
    const map = percentileMap(sorted, percentile);
    return {
      record: { ...stats, levels, quantiles, percentile, anchor: map.anchor, zero: map.zero },
      map: { kind: 'percentile', map },
    };
  }
  return { record: { ...stats, levels, quantiles }, map: { kind: 'none' } };
}
