// A KServe V2 inference response: JSON with flat `data`, or, for outputs the client asked to get as binary, the
// binary tensor data extension (JSON header + raw bytes, sized by Inference-Header-Content-Length).
import type { NamedTensor } from '../tensor/tensor.js';
import { encodeBinaryTensor } from '../tensor/binary-codec.js';
import { encodeJsonData } from '../tensor/json-codec.js';
import type { ServeResponse } from './http.js';

export interface ResponseIdentity {
  modelName: string;
  modelVersion: string;
  id?: string;
}

/**
 * Render outputs as a V2 response ($inference_response); outputs named in `binary` travel as raw bytes after the
 * JSON, "in the same order as the order of the [...] output tensors are specified in the JSON" (binary extension).
 */
export function encodeV2Response(
  who: ResponseIdentity,
  outputs: readonly NamedTensor[],
  binary: ReadonlySet<string>,
): ServeResponse {
  const chunks: Buffer[] = [];
  const parts = outputs.map((t) => {
    const head = `{"name":${JSON.stringify(t.name)},"datatype":${JSON.stringify(t.datatype)},"shape":[${t.shape.join(',')}]`;
    if (binary.has(t.name)) {
      const bytes = encodeBinaryTensor(t);
      chunks.push(bytes);
      return `${head},"parameters":{"binary_data_size":${bytes.length}}}`;
    }
    return `${head},"data":${encodeJsonData(t)}}`;
  });
  const id = who.id === undefined ? '' : `,"id":${JSON.stringify(who.id)}`;
  const json = `{"model_name":${JSON.stringify(who.modelName)},"model_version":${JSON.stringify(who.modelVersion)}${id},"outputs":[${parts.join(',')}]}`;
  if (chunks.length === 0) return { status: 200, headers: { 'content-type': 'application/json' }, body: json };
  const header = Buffer.from(json, 'utf8');
  return {
    status: 200,
    headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) },
    body: Buffer.concat([header, ...chunks]),
  };
}
