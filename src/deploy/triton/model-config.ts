// The Triton model configuration of an ONNX model, derived from its graph signature and written explicitly, so
// Triton's auto-complete (which misreads dynamic axes and cannot choose max_batch_size) never runs.
// Field meanings: triton-inference-server/server docs/user_guide/model_configuration.md ("Maximum Batch Size",
// "Inputs and Outputs", "Reshape", "Datatypes", "Instance Groups") and batcher.md ("Dynamic Batcher").
import { OodError, type ErrorCode } from '../../errors.js';
import type { Dim, ValueInfo } from '../../onnx/decode.js';
import { dataTypeFromOnnx } from '../../tensor/datatypes.js';
import { enumValue, formatTextMessage, type TextMessage } from './text-format.js';

/** Where Triton places the model's instances (ModelInstanceGroup.Kind). */
export type InstanceKind = 'auto' | 'cpu' | 'gpu';

/** What the user may choose; everything else comes from the graph. */
export interface TritonConfigOptions {
  name: string;
  /** Largest batch Triton forms; default 8 when the model batches, 0 otherwise. 0 turns batching off. */
  maxBatch?: number;
  /** max_queue_delay_microseconds of the dynamic batcher; default 100 (batcher.md's example). */
  queueDelayMicroseconds?: number;
  /** Instances per device (instance_group count); default 1. */
  instances?: number;
  kind?: InstanceKind;
  /** Output that gets label_filename (the classifier's scores), with the labels file's name. */
  labels?: { output: string; file: string };
}

/** One input or output of the config. `reshape` is set when the model's tensor has no dims left to declare. */
export interface TritonTensor {
  name: string;
  dataType: string;
  dims: number[];
  reshape?: number[];
  labelFilename?: string;
}

/** The config as data, before it becomes text. */
export interface TritonModelConfig {
  name: string;
  platform: 'onnxruntime_onnx';
  maxBatchSize: number;
  inputs: TritonTensor[];
  outputs: TritonTensor[];
  dynamicBatching?: { preferredBatchSize: number[]; maxQueueDelayMicroseconds: number };
  instanceGroup: { count: number; kind: string };
}

const isDynamic = (d: Dim): boolean => d === null || typeof d === 'string';

function refuse(code: ErrorCode, message: string, hint: string): OodError {
  return new OodError(code, message, { hint });
}

/** The tensor's element type and shape, or a refusal naming what Triton cannot serve. */
function tensorFacts(v: ValueInfo, role: string): { dataType: string; shape: Dim[] } {
  if (v.type.kind !== 'tensor')
    throw refuse(
      'TRITON_UNSUPPORTED_TENSOR',
      `${role} "${v.name}" is a ${v.type.kind}, not a tensor; Triton's ONNX Runtime backend serves dense tensors only`,
      'Wrap the model so that every input and output is a tensor (for ai.onnx.ml classifiers: ZipMap off).',
    );
  const onnxName = dataTypeFromOnnx(v.type.elemType)?.onnxName ?? `type ${v.type.elemType}`;
  const dataType = dataTypeFromOnnx(v.type.elemType)?.triton;
  if (!dataType)
    throw refuse(
      'TRITON_UNSUPPORTED_DATATYPE',
      `${role} "${v.name}" has element type ${onnxName}, which Triton's ONNX Runtime backend does not support`,
      'Cast it in the graph to a supported type (FP32, FP16, FP64, INT8-64, UINT8-64, BOOL, STRING).',
    );
  if (v.type.shape === null)
    throw refuse(
      'TRITON_UNKNOWN_SHAPE',
      `${role} "${v.name}" declares no shape, so its dims cannot be written`,
      'Re-export the model with shapes (torch.onnx.export does by default), or run onnx shape inference on it.',
    );
  return { dataType, shape: v.type.shape };
}

/** Dims as config.pbtxt wants them: -1 for dynamic; an empty list becomes [1] reshaped to [] (see "Reshape"). */
function configTensor(name: string, dataType: string, dims: Dim[]): TritonTensor {
  const fixed = dims.map((d) => (isDynamic(d) ? -1 : (d as number)));
  return fixed.length === 0 ? { name, dataType, dims: [1], reshape: [] } : { name, dataType, dims: fixed };
}

/** Build the config, refusing what Triton cannot serve as asked. */
export function buildTritonConfig(
  inputs: readonly ValueInfo[],
  outputs: readonly ValueInfo[],
  options: TritonConfigOptions,
): TritonModelConfig {
  const all = [
    ...inputs.map((v) => ({ v, role: 'input', ...tensorFacts(v, 'input') })),
    ...outputs.map((v) => ({ v, role: 'output', ...tensorFacts(v, 'output') })),
  ];
  const unbatched = all.filter((t) => t.shape.length === 0 || !isDynamic(t.shape[0]!));
  if (options.maxBatch !== undefined && (!Number.isSafeInteger(options.maxBatch) || options.maxBatch < 0))
    throw new OodError('BAD_OPTION', `--max-batch must be a whole number >= 0, not ${options.maxBatch}`, {
      hint: 'Pass --max-batch 0 to turn batching off, or a size such as --max-batch 16.',
    });
  if ((options.maxBatch ?? 0) > 0 && unbatched.length > 0) {
    const list = unbatched.map((t) => `${t.role} "${t.v.name}" [${t.shape.map((d) => d ?? '?').join(', ')}]`);
    throw refuse(
      'TRITON_NOT_BATCHABLE',
      `--max-batch ${options.maxBatch} needs a dynamic first (batch) dimension on every input and output, ` +
        `but these have a fixed one or none: ${list.join(', ')}`,
      'Re-export with a dynamic batch axis (torch.onnx.export dynamic_axes={"x": {0: "batch"}}), or pass --max-batch 0.',
    );
  }
  const maxBatchSize = unbatched.length > 0 ? 0 : (options.maxBatch ?? 8);
  const strip = maxBatchSize > 0 ? 1 : 0;
  const tensor = (t: (typeof all)[number]) => configTensor(t.v.name, t.dataType, t.shape.slice(strip));
  const config: TritonModelConfig = {
    name: options.name,
    platform: 'onnxruntime_onnx',
    maxBatchSize,
    inputs: all.filter((t) => t.role === 'input').map(tensor),
    outputs: all.filter((t) => t.role === 'output').map(tensor),
    instanceGroup: { count: instanceCount(options.instances), kind: `KIND_${(options.kind ?? 'auto').toUpperCase()}` },
  };
  if (maxBatchSize > 0)
    config.dynamicBatching = {
      preferredBatchSize: [maxBatchSize],
      maxQueueDelayMicroseconds: options.queueDelayMicroseconds ?? 100,
    };
  if (options.labels) attachLabels(config, options.labels);
  return config;
}

function instanceCount(instances: number | undefined): number {
  if (instances === undefined) return 1;
  if (!Number.isSafeInteger(instances) || instances < 1)
    throw new OodError('BAD_OPTION', `--instances must be a whole number >= 1, not ${instances}`, {
      hint: 'Pass --instances 2 for two copies of the model per device.',
    });
  return instances;
}

function attachLabels(config: TritonModelConfig, labels: { output: string; file: string }): void {
  const output = config.outputs.find((o) => o.name === labels.output);
  if (!output) throw new Error(`labels name output ${labels.output}, which the model does not have`);
  output.labelFilename = labels.file;
}

/** The config as a ModelConfig text message, fields in model_config.proto's order. */
export function toTextMessage(config: TritonModelConfig): TextMessage {
  const tensor = (t: TritonTensor): TextMessage => ({
    name: t.name,
    data_type: enumValue(t.dataType),
    dims: t.dims,
    reshape: t.reshape ? { shape: t.reshape } : undefined,
    label_filename: t.labelFilename,
  });
  return {
    name: config.name,
    platform: config.platform,
    max_batch_size: config.maxBatchSize,
    input: config.inputs.map(tensor),
    output: config.outputs.map(tensor),
    dynamic_batching: config.dynamicBatching && {
      preferred_batch_size: config.dynamicBatching.preferredBatchSize,
      max_queue_delay_microseconds: config.dynamicBatching.maxQueueDelayMicroseconds,
    },
    instance_group: [{ count: config.instanceGroup.count, kind: enumValue(config.instanceGroup.kind) }],
  };
}

/** config.pbtxt's text. */
export function formatTritonConfig(config: TritonModelConfig): string {
  return formatTextMessage(toTextMessage(config));
}
