// `ood inspect MODEL.onnx`: what a raw model is, before anyone packages it: its signature (KServe V2 datatypes),
// opsets, producer, size on disk (with external data), and the certainty record that `ood enable` wrote, if any.
// Read from the protobuf without loading weights or starting onnxruntime, so it is instant on a 300 MB model.
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isOodError } from '../errors.js';
import { v2Name } from '../tensor/datatypes.js';
import { OnnxModel } from '../onnx/model.js';
import type { ValueInfo } from '../onnx/decode.js';
import { artifactGivenAsModel } from './wrong-kind.js';
import { readCertaintyRecord } from '../certainty/metadata.js';
import { readThreshold } from '../certainty/measured-metadata.js';
import type { ThresholdRecord } from '../certainty/threshold.js';

/** One graph input or output: V2 datatype (or the ONNX value kind when it is not a tensor) and its shape. */
export interface TensorDescription {
  name: string;
  datatype: string;
  /** Fixed dims as numbers, symbolic dims by name, unknown dims as -1; null when the graph gives no shape. */
  shape: (number | string)[] | null;
}

/** The certainty part: null fields are the ones the record does not hold. */
export interface CertaintyDescription {
  method: string;
  temperature: number;
  output: string;
  scored_output: string;
  normalization: string;
  /** How many in-distribution samples calibrated the score (null when uncalibrated). */
  calibration_samples: number | null;
  /** For percentile normalization: the percentile, and the raw score at or above which the score is 1. */
  percentile: number | null;
  anchor: number | null;
  enabled_by: string;
  /** The recorded decision threshold (ood.threshold): ood_scores below `score` flags a row as OOD; null when none. */
  threshold: ThresholdRecord | null;
  /** Set when the model claims to be enabled but the record is broken (introspect's certainty.record fails it). */
  problem?: string;
}

/** Everything `ood inspect` shows; the text table and --json render this one model. */
export interface ModelDescription {
  model: string;
  size_bytes: number;
  external_data: string[];
  ir_version: number;
  producer: { name: string; version: string };
  model_version: number;
  opsets: { domain: string; version: number }[];
  inputs: TensorDescription[];
  outputs: TensorDescription[];
  nodes: number;
  initializers: number;
  certainty: CertaintyDescription | null;
}

function describeTensor(value: ValueInfo): TensorDescription {
  if (value.type.kind !== 'tensor') return { name: value.name, datatype: value.type.kind.toUpperCase(), shape: null };
  const shape = value.type.shape?.map((d) => (d === null ? -1 : d)) ?? null;
  return { name: value.name, datatype: v2Name(value.type.elemType), shape };
}

function describeCertainty(model: OnnxModel): CertaintyDescription | null {
  try {
    const record = readCertaintyRecord(model.metadataMap);
    if (!record) return null;
    return {
      method: record.method,
      temperature: record.temperature,
      output: record.output,
      scored_output: record.logits,
      normalization: record.normalization,
      calibration_samples: record.calibration?.samples ?? null,
      percentile: record.calibration?.percentile ?? null,
      anchor: record.calibration?.anchor ?? null,
      enabled_by: record.oodVersion,
      threshold: readThreshold(model.metadataMap),
    };
  } catch (err) {
    if (!isOodError(err)) throw err;
    const meta = model.metadataMap;
    return {
      method: meta.get('ood.method') ?? '',
      temperature: Number(meta.get('ood.temperature')),
      output: meta.get('ood.output') ?? '',
      scored_output: meta.get('ood.logits') ?? '',
      normalization: meta.get('ood.normalization') ?? '',
      calibration_samples: null,
      percentile: null,
      anchor: null,
      enabled_by: meta.get('ood.version') ?? '',
      threshold: readThreshold(meta),
      problem: err.message,
    };
  }
}

/** Describe the model at `path`. Throws OodError for a file that is missing or not ONNX. */
export async function describeModel(path: string): Promise<ModelDescription> {
  let model: OnnxModel;
  try {
    model = OnnxModel.open(path);
  } catch (err) {
    throw (await artifactGivenAsModel(path)) ?? err;
  }
  try {
    const externalData = model.externalDataFiles();
    let size = model.source.size;
    for (const file of externalData)
      size += await stat(join(dirname(path), file)).then(
        (s) => s.size,
        () => 0,
      );
    const { info } = model;
    return {
      model: path,
      size_bytes: size,
      external_data: externalData,
      ir_version: info.irVersion,
      producer: { name: info.producerName, version: info.producerVersion },
      model_version: info.modelVersion,
      opsets: info.opsetImports.map((o) => ({ domain: o.domain || 'ai.onnx', version: o.version })),
      inputs: info.graph.inputs.map(describeTensor),
      outputs: info.graph.outputs.map(describeTensor),
      nodes: info.graph.nodes.length,
      initializers: info.graph.initializers.length,
      certainty: describeCertainty(model),
    };
  } finally {
    model.close();
  }
}
