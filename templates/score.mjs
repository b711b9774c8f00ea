// score.mjs: the entrypoint of an ood model artifact (format 1.0, contract in ood's src/artifact/spec.ts).
// The server imports this module and calls load() once, then predict() per request. It needs nothing but
// Node's standard library: onnxruntime-node comes from the server as `context.ort`.
//
// Tensors follow KServe V2 (Open Inference Protocol): { name, datatype, shape, data }, where data is a typed
// array for numeric types (FP16: the binary16 bits in a Uint16Array), a Uint8Array of 0/1 for BOOL and an array
// of strings for BYTES. Plain arrays of numbers, booleans or strings are accepted and converted.
// Edit preprocess/postprocess below to add your own code around the model, as ADS's score.py allows.
import { join } from 'node:path';

/** KServe V2 datatype → onnxruntime-node tensor type and the typed array it wants. */
const V2_TO_ORT = {
  BOOL: ['bool', Uint8Array],
  UINT8: ['uint8', Uint8Array],
  UINT16: ['uint16', Uint16Array],
  UINT32: ['uint32', Uint32Array],
  UINT64: ['uint64', BigUint64Array],
  INT8: ['int8', Int8Array],
  INT16: ['int16', Int16Array],
  INT32: ['int32', Int32Array],
  INT64: ['int64', BigInt64Array],
  FP16: ['float16', Uint16Array],
  FP32: ['float32', Float32Array],
  FP64: ['float64', Float64Array],
  BYTES: ['string', Array],
};

/** onnxruntime-node tensor type → KServe V2 datatype. */
const ORT_TO_V2 = Object.fromEntries(Object.entries(V2_TO_ORT).map(([v2, [ort]]) => [ort, v2]));

function fail(message) {
  const error = new Error(message);
  error.code = 'BAD_REQUEST_TENSOR';
  return error;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** A number as IEEE 754 binary16 bits (round to nearest even): onnxruntime-node carries FP16 as Uint16Array. */
function toHalfBits(value) {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

/** The data of a request tensor as the typed array onnxruntime wants; no copy when it already is one. */
function toTypedData(tensor, Ctor) {
  const { data } = tensor;
  if (data instanceof Ctor) return data;
  if (Ctor === Array) return Array.from(data, String);
  if (Ctor === BigInt64Array || Ctor === BigUint64Array) return Ctor.from(data, (v) => BigInt(v));
  if (tensor.datatype === 'FP16') return Uint16Array.from(data, (v) => toHalfBits(Number(v)));
  if (Ctor === Uint8Array && tensor.datatype === 'BOOL') return Uint8Array.from(data, (v) => (v ? 1 : 0));
  return Ctor.from(data, Number);
}

/** Called once by the server: open the model with the server's onnxruntime-node. */
export async function load(artifactDir, context = {}) {
  const { ort, log, sessionOptions } = context;
  if (!ort?.InferenceSession) throw new Error('load(artifactDir, { ort }) needs onnxruntime-node as context.ort');
  const session = await ort.InferenceSession.create(join(artifactDir, 'model.onnx'), sessionOptions ?? {});
  const info = typeof log === 'function' ? log : log?.info?.bind(log);
  info?.(`score.mjs: loaded model.onnx (inputs: ${session.inputNames.join(', ')}; outputs: ${session.outputNames.join(', ')})`);
  return { ort, session, inputNames: session.inputNames, outputNames: session.outputNames, artifactDir };
}

/** Called per request: run the model on { inputs: NamedTensor[] } and return { outputs: NamedTensor[] }. */
export async function predict(model, request) {
  const { ort, session } = model;
  const feeds = {};
  for (const tensor of request.inputs) {
    const entry = V2_TO_ORT[tensor.datatype];
    if (!entry) throw fail(`input "${tensor.name}" has datatype ${tensor.datatype}, which onnxruntime-node cannot take`);
    feeds[tensor.name] = new ort.Tensor(entry[0], toTypedData(tensor, entry[1]), tensor.shape);
  }
  const wanted = request.outputs?.length ? request.outputs : model.outputNames;
  const results = await session.run(feeds, wanted);
  const outputs = wanted.map((name) => {
    const t = results[name];
    return { name, datatype: ORT_TO_V2[t.type] ?? t.type, shape: t.dims.map(Number), data: t.data };
  });
  return { outputs };
}

/** Optional hook, applied by the server before predict. Return the (possibly changed) request. */
export function preprocess(request, model) {
  void model;
  return request;
}

/** Optional hook, applied by the server after predict. Return the (possibly changed) response. */
export function postprocess(response, model) {
  void model;
  return response;
}
