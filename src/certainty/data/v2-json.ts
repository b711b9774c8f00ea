// Calibration samples from KServe V2 / Open Inference Protocol inference requests (JSON form):
// {"inputs": [{"name", "shape", "datatype", "data"}]}, data flat or nested in row-major order, decoded by the
// server's own decoder (src/tensor/json-codec.ts) so a file the server accepts is a file calibration accepts.
// https://kserve.github.io/website/latest/modelserving/data_plane/v2_protocol/
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { OodError, fileError } from '../../errors.js';
import { parseDataJson } from '../../io/exact-json.js';
import { dataTypeFromV2 } from '../../tensor/datatypes.js';
import { decodeJsonTensor } from '../../tensor/json-codec.js';
import type { Tensor } from '../../tensor/tensor.js';

/** One request file: its tensors by input name, and the batch size they share. */
export interface V2Sample {
  label: string;
  rows: number;
  tensors: Record<string, Tensor>;
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
    // INT64 / UINT64 beyond 2^53 digit for digit, as the server reads a request (io/exact-json.ts).
    body = parseDataJson(await readFile(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code) throw fileError(err, path, 'data file');
    throw invalid(label, `not valid JSON (${(err as Error).message})`);
  }
  const inputs = (body as { inputs?: unknown })?.inputs;
  if (!Array.isArray(inputs) || inputs.length === 0) throw invalid(label, 'it has no "inputs" array');
  const tensors: Record<string, Tensor> = {};
  let rows: number | undefined;
  for (const [i, entry] of inputs.entries()) {
    const t = parseTensor(entry, `${label} inputs[${i}]`);
    tensors[t.name] = t.tensor;
    const r = t.tensor.shape[0] ?? 1;
    if (rows !== undefined && r !== rows) throw invalid(label, `inputs disagree on the batch size (${rows} vs ${r})`);
    rows = r;
  }
  return { label, rows: rows ?? 1, tensors };
}

function parseTensor(entry: unknown, where: string): { name: string; tensor: Tensor } {
  const e = entry as { name?: unknown; shape?: unknown; datatype?: unknown; data?: unknown };
  if (typeof e?.name !== 'string') throw invalid(where, 'an input has no "name"');
  if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0))
    throw invalid(where, `input "${e.name}" has no valid "shape"`);
  const dims = e.shape as number[];
  if (dims.length === 0) throw invalid(where, `input "${e.name}" is a scalar; calibration needs a batch axis`);
  const type = typeof e.datatype === 'string' ? dataTypeFromV2(e.datatype) : undefined;
  if (!type?.ort || !type.array)
    throw invalid(where, `input "${e.name}" has datatype ${String(e.datatype)}, which calibration cannot feed`);
  if (!Array.isArray(e.data)) throw invalid(where, `input "${e.name}" has no "data" array`);
  try {
    const { name, ...tensor } = decodeJsonTensor(e.name, type.v2!, dims, e.data);
    return { name, tensor };
  } catch (err) {
    // The server's wording ("input "x": element 3 is "a", not a valid FP32 value"), led by the sample.
    if (err instanceof OodError) throw invalid(where, err.message);
    throw err;
  }
}
