// The JSON shapes of the KServe Open Inference Protocol (V2), REST, as of the protocol's 2.0 text, including the
// parameters of the binary tensor data extension.

/** A tensor in an inference request ($request_input). `data` is absent when the tensor travels as binary. */
export interface V2RequestInput {
  name: string;
  shape: number[];
  datatype: string;
  parameters?: V2Parameters;
  data?: unknown;
}

/** An output the client asks for ($request_output). */
export interface V2RequestOutput {
  name: string;
  parameters?: V2Parameters;
}

/** $inference_request. */
export interface V2InferenceRequest {
  id?: string;
  parameters?: V2Parameters;
  inputs: V2RequestInput[];
  outputs?: V2RequestOutput[];
}

/** Parameters are free-form; these are the ones this server understands. */
export interface V2Parameters {
  binary_data_size?: number;
  binary_data?: boolean;
  binary_data_output?: boolean;
  [key: string]: unknown;
}

/** $metadata_tensor of model metadata. */
export interface V2MetadataTensor {
  name: string;
  datatype: string;
  shape: number[];
}
