// TF-Serving's model status and model metadata bodies (tensorflow_serving/g3doc/api_rest.md, "Model status API"
// and "Model Metadata API"): the proto3 JSON form of GetModelStatusResponse (apis/get_model_status.proto) and of
// GetModelMetadataResponse with its SignatureDefMap (apis/get_model_metadata.proto), built from the V2 signature.
// proto3's JSON mapping writes int64 fields (version, dim size) as strings.
import type { TensorSpec } from '../artifact/spec.js';
import { dataTypeFromV2 } from '../tensor/datatypes.js';
import type { ModelDescription, ModelState } from './served-model.js';

/**
 * TensorFlow's DataType name (tensorflow/core/framework/types.proto) for a V2 datatype: DT_ plus the ONNX name,
 * which matches for every type both have, except that TensorFlow calls binary16 DT_HALF.
 */
export function tensorflowDtype(datatype: string): string {
  const onnx = dataTypeFromV2(datatype)?.onnxName;
  if (onnx === undefined) return 'DT_INVALID';
  return onnx === 'FLOAT16' ? 'DT_HALF' : `DT_${onnx}`;
}

/** TensorInfo: dtype, and a TensorShapeProto whose variable dims are size -1 and keep their symbolic name. */
function tensorInfo(t: TensorSpec) {
  return {
    dtype: tensorflowDtype(t.datatype),
    tensor_shape: {
      dim: t.shape.map((d) =>
        typeof d === 'number' ? { size: String(d < 0 ? -1 : d), name: '' } : { size: '-1', name: d },
      ),
      unknown_rank: false,
    },
    name: t.name,
  };
}

/** The one signature ood serves, under TF-Serving's default signature key. */
export const DEFAULT_SIGNATURE = 'serving_default';

/** GetModelMetadataResponse. */
export function tfModelMetadata(d: ModelDescription) {
  const byName = (tensors: readonly TensorSpec[]) => Object.fromEntries(tensors.map((t) => [t.name, tensorInfo(t)]));
  return {
    model_spec: { name: d.name, signature_name: '', version: d.version },
    metadata: {
      signature_def: {
        signature_def: {
          [DEFAULT_SIGNATURE]: {
            inputs: byName(d.inputs),
            outputs: byName(d.outputs),
            method_name: 'tensorflow/serving/predict',
          },
        },
      },
    },
  };
}

/** ModelVersionStatus.State for a served model's state. */
const STATE: Record<ModelState, string> = { loading: 'LOADING', ready: 'AVAILABLE', failed: 'END' };

/**
 * GetModelStatusResponse, plus KServe V1's model-ready fields ({"name": ..., "ready": ...}, KServe's V1 protocol
 * "Model Ready"), so that clients of either find what they read.
 */
export function v1ModelStatus(d: ModelDescription, state: ModelState, error: string | undefined) {
  return {
    name: d.name,
    ready: state === 'ready',
    model_version_status: [
      {
        version: d.version,
        state: STATE[state],
        status:
          state === 'failed'
            ? { error_code: 'UNKNOWN', error_message: error ?? '' }
            : { error_code: 'OK', error_message: '' },
      },
    ],
  };
}
