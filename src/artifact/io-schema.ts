// input_schema.json and output_schema.json (artifact format 1.0, src/artifact/spec.ts): one descriptor per
// graph input/output, read from the ONNX graph signature. requestJsonSchema turns the input one into JSON Schema.
import { OodError } from '../errors.js';
import type { ValueInfo } from '../onnx/decode.js';
import { v2Name } from '../tensor/datatypes.js';
import type { OnnxModel } from '../onnx/model.js';
import { ARTIFACT_VERSION, type IoSchema, type TensorSpec } from './spec.js';
import { readPreprocessing } from '../certainty/measured-metadata.js';
import { describePreprocessingLine } from '../certainty/preprocessing.js';

const VALUE_KINDS: Record<string, string> = {
  sequence: 'an ONNX sequence',
  map: 'an ONNX map',
  optional: 'an ONNX optional',
  sparse_tensor: 'a sparse tensor',
  unknown: 'of an unknown ONNX type',
};

/** A graph value as a TensorSpec: V2 datatype; -1 for an unknown dim, the symbolic name for a named one. */
export function tensorSpec(value: ValueInfo, order: number, kind: 'input' | 'output'): TensorSpec {
  if (value.type.kind !== 'tensor') {
    const what = VALUE_KINDS[value.type.kind] ?? value.type.kind;
    throw new OodError('UNSUPPORTED_VALUE_TYPE', `${kind} "${value.name}" is ${what}, not a tensor`, {
      hint:
        'ood serves dense tensors only (KServe V2, KServe V1 and DRUM carry tensors); wrap the model so that its ' +
        'inputs and outputs are tensors (e.g. ConcatFromSequence for a sequence, OptionalGetElement for an optional).',
    });
  }
  // No shape at all is an unknown rank, which neither schema file can state (an empty shape is a scalar), nor can
  // what reads them: the Open Inference Protocol's metadata_tensor "shape" is a required array of integers
  // (open_inference_rest.yaml, components/schemas/metadata_tensor), Triton's config needs dims, and `ood verify`
  // holds outputs to the recorded rank. So an output without a shape is refused as an input is, not written down
  // as a scalar that the model's answers would then contradict.
  if (value.type.shape === null) {
    throw new OodError('UNSUPPORTED_VALUE_TYPE', `${kind} "${value.name}" declares no shape (its rank is unknown)`, {
      hint:
        kind === 'input'
          ? 'Give the graph input a shape (symbolic dims are fine), e.g. with onnx.tools.update_model_dims, then re-run.'
          : 'Give the graph output a shape (symbolic dims are fine): run onnx.shape_inference.infer_shapes on the ' +
            'model, or set it with onnx.tools.update_model_dims, then re-run.',
    });
  }
  const shape = value.type.shape.map((d) => (d === null ? -1 : d));
  return { name: value.name, datatype: v2Name(value.type.elemType), shape, order, description: value.docString };
}

/** Both descriptors of a model, in graph order. */
export function buildIoSchemas(model: OnnxModel): { input: IoSchema; output: IoSchema } {
  const g = model.info.graph;
  // The preprocessing the certainty score was calibrated on, so a client can reproduce it (ood.preprocessing).
  const preprocessing = readPreprocessing(model.metadataMap);
  const describe = (spec: TensorSpec): TensorSpec => {
    if (!preprocessing || (preprocessing.source === 'images' && preprocessing.input !== spec.name)) return spec;
    const line = describePreprocessingLine(preprocessing);
    return { ...spec, description: spec.description ? `${spec.description} ${line}` : line };
  };
  return {
    input: {
      schema_version: ARTIFACT_VERSION,
      kind: 'input',
      tensors: g.inputs.map((v, i) => describe(tensorSpec(v, i, 'input'))),
    },
    output: {
      schema_version: ARTIFACT_VERSION,
      kind: 'output',
      tensors: g.outputs.map((v, i) => tensorSpec(v, i, 'output')),
    },
  };
}

/** Stable JSON text for an artifact file: two-space indent and a final newline. */
export function toJsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
