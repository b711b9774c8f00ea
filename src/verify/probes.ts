// The requests `ood verify` sends to make sure bad input gets a clean answer: malformed JSON, a tensor full of NaN
// (through the binary tensor extension, since JSON has no NaN) and a zero-sized batch. A clean answer is a 2xx
// result or a 4xx JSON error; a 5xx, a dropped connection or a non-JSON body fails the check.
import type { IoSchema } from '../artifact/spec.js';
import type { V2InferenceRequest } from '../serve/v2-types.js';
import { allocate } from '../tensor/tensor.js';
import { call, type HttpResult } from './http-client.js';
import type { VerifyCheck } from './report.js';

function clean(name: string, res: HttpResult): VerifyCheck {
  if (res.status === 0) return { name, passed: false, detail: `no answer: ${res.error}` };
  const json = (() => {
    try {
      JSON.parse(
        res.headers.get('inference-header-content-length')
          ? res.bytes.subarray(0, Number(res.headers.get('inference-header-content-length'))).toString()
          : res.text,
      );
      return true;
    } catch {
      return false;
    }
  })();
  const passed = json && ((res.status >= 200 && res.status < 300) || (res.status >= 400 && res.status < 500));
  const error =
    res.status >= 400
      ? ` ${String((JSON.parse(json ? res.text : '{}') as { error?: string }).error ?? '').slice(0, 120)}`
      : '';
  return { name, passed, detail: `${res.status}${error}${json ? '' : ' (body is not JSON)'}` };
}

/** Send the three bad requests and judge each answer. */
export async function probeBadRequests(
  url: string,
  model: string,
  inputs: IoSchema,
  sample: V2InferenceRequest,
  timeoutMs: number,
): Promise<VerifyCheck[]> {
  const infer = `${url}/v2/models/${encodeURIComponent(model)}/infer`;
  const checks: VerifyCheck[] = [];
  const malformed = await call(
    infer,
    { method: 'POST', body: '{"inputs": [{"name": ', headers: { 'content-type': 'application/json' } },
    timeoutMs,
  );
  const m = clean('malformed JSON gets a clean 4xx', malformed);
  checks.push({ ...m, passed: m.passed && malformed.status >= 400 });

  const floats = sample.inputs.filter((t) => t.datatype === 'FP32' || t.datatype === 'FP64');
  if (floats.length === 0)
    checks.push({
      name: 'all-NaN request gets a clean answer',
      passed: true,
      detail: 'skipped: the model has no float inputs',
    });
  else {
    const parts: Buffer[] = [];
    const header = {
      inputs: sample.inputs.map((t) => {
        const isFloat = t.datatype === 'FP32' || t.datatype === 'FP64';
        if (!isFloat) return t;
        const n = t.shape.reduce((a, b) => a * b, 1);
        const arr = allocate(t.datatype, n) as Float32Array | Float64Array;
        arr.fill(NaN);
        parts.push(Buffer.from(arr.buffer));
        return { name: t.name, datatype: t.datatype, shape: t.shape, parameters: { binary_data_size: arr.byteLength } };
      }),
    };
    const json = Buffer.from(JSON.stringify(header));
    const res = await call(
      infer,
      {
        method: 'POST',
        body: Buffer.concat([json, ...parts]),
        headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(json.length) },
      },
      timeoutMs,
    );
    checks.push(clean('all-NaN request gets a clean answer', res));
  }

  const dynamicBatch = inputs.tensors.every((t) => typeof t.shape[0] !== 'number' || (t.shape[0] as number) < 0);
  if (!dynamicBatch)
    checks.push({
      name: 'zero-sized batch gets a clean answer',
      passed: true,
      detail: 'skipped: the batch dimension is fixed',
    });
  else {
    const zero = {
      inputs: sample.inputs.map((t) => ({
        name: t.name,
        datatype: t.datatype,
        shape: [0, ...t.shape.slice(1)],
        data: [],
      })),
    };
    const res = await call(
      infer,
      { method: 'POST', body: JSON.stringify(zero), headers: { 'content-type': 'application/json' } },
      timeoutMs,
    );
    checks.push(clean('zero-sized batch gets a clean answer', res));
  }
  return checks;
}
