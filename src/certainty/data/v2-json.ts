// Calibration samples from KServe V2 / Open Inference Protocol inference requests (JSON form):
// {"inputs": [{"name", "shape", "datatype", "data"}]}, data flat or nested in row-major order.
// https://kserve.github.io/website/latest/modelserving/data_plane/v2_protocol/
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { OodError, fileError } from '../../errors.js';
import { dataTypeFromV2 } from '../../onnx/dtypes.js';
import { ARRAY_FOR_TYPE, elementCount, type HostTensor, type TypedArray } from './host-tensor.js';
import { toHalfBits } from '../../onnx/float16.js';

/** One request file: its tensors by input name, and the batch size they share. */
export interface V2Sample {
  label: string;
  rows: number;
  tensors: Record<string, HostTensor>;
}

function invalid(label: string, why: string): OodError {
  return new OodError('DATA_INVALID', `sample ${label}: ${why}`, {
    hint: 'Each JSON file must be a V2 inference request: {"inputs": [{"name", "shape", "datatype", "data"}]}.',
    details: { sample: label, problem: why },
  });
}

/** Read and parse one request file into tensors. */
export async function readV2Request(path: string): Promise<V2Sample> {
  const label = basename(path);
  let body: unknown;
  try {
    body = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code) throw fileError(err, path, 'data file');
    throw invalid(label, `not valid JSON (${(err as Error).message})`);
  }
  const inputs = (body as { inputs?: unknown })?.inputs;
  if (!Array.isArray(inputs) || inputs.length === 0) throw invalid(label, 'it has no "inputs" array');
  const tensors: Record<string, HostTensor> = {};
  let rows: number | undefined;
  for (const [i, entry] of inputs.entries()) {
    const t = parseTensor(entry, `${label} inputs[${i}]`);
    tensors[t.name] = t.tensor;
    const r = t.tensor.dims[0] ?? 1;
    if (rows !== undefined && r !== rows) throw invalid(label, `inputs disagree on the batch size (${rows} vs ${r})`);
    rows = r;
  }
  return { label, rows: rows ?? 1, tensors };
}

function parseTensor(entry: unknown, where: string): { name: string; tensor: HostTensor } {
  const e = entry as { name?: unknown; shape?: unknown; datatype?: unknown; data?: unknown };
  if (typeof e?.name !== 'string') throw invalid(where, 'an input has no "name"');
  if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0))
    throw invalid(where, `input "${e.name}" has no valid "shape"`);
  const dims = e.shape as number[];
  if (dims.length === 0) throw invalid(where, `input "${e.name}" is a scalar; calibration needs a batch axis`);
  const info = typeof e.datatype === 'string' ? dataTypeFromV2(e.datatype) : undefined;
  if (!info?.ort || info.ort === 'string')
    throw invalid(where, `input "${e.name}" has datatype ${String(e.datatype)}, which calibration cannot feed`);
  const flat = Array.isArray(e.data) ? (e.data as unknown[]).flat(Infinity) : undefined;
  if (!flat) throw invalid(where, `input "${e.name}" has no "data" array`);
  if (flat.length !== elementCount(dims)) {
    throw invalid(
      where,
      `input "${e.name}" has ${flat.length} values but shape [${dims.join(', ')}] needs ${elementCount(dims)}`,
    );
  }
  return { name: e.name, tensor: { type: info.ort, dims, data: toTypedArray(info.ort, flat, `${where} "${e.name}"`) } };
}

function toTypedArray(type: string, values: unknown[], where: string): TypedArray {
  const out = new ARRAY_FOR_TYPE[type]!(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (type === 'bool') {
      if (typeof v !== 'boolean') throw invalid(where, `value ${i} is ${JSON.stringify(v)}, not a boolean`);
      out[i] = v ? 1 : 0;
    } else if (typeof v !== 'number') {
      throw invalid(where, `value ${i} is ${JSON.stringify(v)}, not a number`);
    } else if (type === 'int64' || type === 'uint64') {
      if (!Number.isInteger(v)) throw invalid(where, `value ${i} (${v}) is not an integer`);
      (out as BigInt64Array)[i] = BigInt(v);
    } else if (type === 'float16') {
      out[i] = toHalfBits(v);
    } else {
      out[i] = v;
    }
  }
  return out;
}
