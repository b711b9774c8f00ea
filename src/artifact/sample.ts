// `--sample FILE`: a KServe V2 inference request. It must match the graph (checked with the same validator the
// server uses), and it yields per-input statistics for input_schema.json, as ADS records feature statistics.
import { OodError } from '../errors.js';
import { readJsonFile } from '../io/json-file.js';
import { createRequestValidator } from './request-check.js';
import type { IoSchema, TensorStatistics } from './spec.js';

/** A sample after validation: a V2 request whose inputs all carry JSON data. */
export interface SampleRequest {
  inputs: { name: string; datatype: string; shape: number[]; data: unknown[] }[];
}

function flatten(data: unknown, out: unknown[] = []): unknown[] {
  if (Array.isArray(data)) for (const item of data) flatten(item, out);
  else out.push(data);
  return out;
}

/** count, min, max, mean and (population) std of the numeric elements; BYTES inputs get none. */
export function tensorStatistics(data: unknown): TensorStatistics | undefined {
  const values = flatten(data).map((v) => (typeof v === 'boolean' ? Number(v) : v));
  if (values.length === 0 || !values.every((v) => typeof v === 'number')) return undefined;
  const nums = values as number[];
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of nums) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  const mean = sum / nums.length;
  let sq = 0;
  for (const v of nums) sq += (v - mean) ** 2;
  return { count: nums.length, min, max, mean, std: Math.sqrt(sq / nums.length) };
}

/** Read and check a sample; every mismatch with the graph is listed in one error. */
export async function readSample(
  path: string,
  inputSchema: IoSchema,
  outputSchema?: IoSchema,
): Promise<{ text: string; request: SampleRequest }> {
  const { text, value: request } = await readJsonFile(path, {
    what: 'sample file',
    notJson: (p, err) =>
      new OodError('SAMPLE_NOT_JSON', `sample ${p} is not valid JSON: ${err.message}`, {
        hint: 'Pass a KServe V2 inference request: {"inputs": [{"name", "datatype", "shape", "data"}]}.',
        cause: err,
      }),
  });
  const problems = createRequestValidator(inputSchema, outputSchema)(request);
  const withoutData = ((request as SampleRequest)?.inputs ?? []).filter((t) => t && !Array.isArray(t.data));
  for (const t of withoutData)
    problems.push(`input "${t?.name}" has no JSON data (the binary extension is not supported in a sample)`);
  if (problems.length > 0) {
    const expected = inputSchema.tensors.map((t) => `${t.name} ${t.datatype} [${t.shape.join(', ')}]`).join('; ');
    throw new OodError(
      'SAMPLE_MISMATCH',
      `sample ${path} does not match the model's inputs:\n  - ${problems.join('\n  - ')}`,
      {
        hint: `The model expects: ${expected}.`,
        details: { problems },
      },
    );
  }
  return { text, request: request as SampleRequest };
}

/** input_schema.json with statistics from the sample added to each input. */
export function withStatistics(inputSchema: IoSchema, request: SampleRequest): IoSchema {
  return {
    ...inputSchema,
    tensors: inputSchema.tensors.map((t) => {
      const given = request.inputs.find((i) => i.name === t.name);
      const statistics = given ? tensorStatistics(given.data) : undefined;
      return statistics ? { ...t, statistics } : t;
    }),
  };
}
