// Between ood's Tensor and onnxruntime-node's: the same typed array on both sides (datatypes.ts names the class
// onnxruntime-node wants per type), so nothing is copied.
import * as ort from 'onnxruntime-node';
import { dataTypeFromOrt } from './datatypes.js';
import { runnableDataType, type NamedTensor, type Tensor } from './tensor.js';

/** An onnxruntime-node tensor over the same memory. Throws UNSUPPORTED_DATATYPE for a type it cannot carry. */
export function toOrtTensor(tensor: Tensor, name = ''): ort.Tensor {
  const type = runnableDataType(tensor.datatype, name).ort as ort.Tensor.Type;
  return new ort.Tensor(type, tensor.data as never, tensor.shape);
}

/** Feeds for a session run, one onnxruntime tensor per named input. */
export function toOrtFeeds(tensors: Record<string, Tensor>): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(tensors)) feeds[name] = toOrtTensor(t, name);
  return feeds;
}

/** An onnxruntime-node result as a named V2 tensor (its type's V2 name; the raw type name if V2 has none). */
export function fromOrtTensor(name: string, tensor: ort.Tensor): NamedTensor {
  return {
    name,
    datatype: dataTypeFromOrt(tensor.type)?.v2 ?? tensor.type,
    shape: tensor.dims.map(Number),
    data: tensor.data as NamedTensor['data'],
  };
}
