// Do the model's own outputs stay bit-identical once the certainty branch is added? Each batch's outputs of
// the enabled model are compared byte for byte with a reference: the original model (--original), or the
// enabled graph with the certainty branch stripped (src/certainty/strip.ts).
import type * as ort from 'onnxruntime-node';
import type { OutputCheckResult } from '../artifact/evaluation.js';

/** Running state of the comparison. */
export interface OutputCheck {
  reference: 'original' | 'stripped' | null;
  outputs: string[];
  samplesCompared: number;
  mismatch: { output: string; set: string; sample: number } | null;
  detail: string;
}

/** Defined with the report it appears in (artifact/evaluation.ts). */
export type { OutputCheckResult } from '../artifact/evaluation.js';

/** A fresh comparison over the enabled model's own outputs (every output except the score). */
export function newOutputCheck(reference: OutputCheck['reference'], outputs: string[]): OutputCheck {
  return { reference, outputs: [...outputs].sort(), samplesCompared: 0, mismatch: null, detail: '' };
}

function bytesOf(tensor: ort.Tensor): Uint8Array | null {
  const data = tensor.data as unknown;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return null;
}

function sameTensor(a: ort.Tensor, b: ort.Tensor): boolean {
  if (a.type !== b.type || a.dims.length !== b.dims.length || a.dims.some((d, i) => d !== b.dims[i])) return false;
  const x = bytesOf(a);
  const y = bytesOf(b);
  if (x && y) return Buffer.compare(x, y) === 0;
  const u = a.data as unknown as readonly unknown[];
  const v = b.data as unknown as readonly unknown[];
  return u.length === v.length && u.every((e, i) => e === v[i]);
}

/** Compare one batch of `rows` samples; remembers the first mismatch. `start` is the batch's first sample index. */
export function compareOutputs(
  check: OutputCheck,
  enabled: ort.InferenceSession.OnnxValueMapType,
  reference: ort.InferenceSession.OnnxValueMapType,
  set: string,
  start: number,
  rows: number,
): void {
  if (check.mismatch) return;
  for (const name of check.outputs) {
    const a = enabled[name];
    const b = reference[name];
    if (!a || !b || !sameTensor(a as ort.Tensor, b as ort.Tensor)) {
      check.mismatch = { output: name, set, sample: start };
      return;
    }
  }
  check.samplesCompared += rows;
}

/** The verdict the report states. */
export function finishOutputCheck(check: OutputCheck): OutputCheckResult {
  const against = check.reference === 'original' ? 'the original model' : 'the same graph without the certainty branch';
  if (!check.reference)
    return { status: 'unchecked', reference: null, outputs: check.outputs, samplesCompared: 0, detail: check.detail };
  if (check.mismatch) {
    const m = check.mismatch;
    return {
      status: 'different',
      reference: check.reference,
      outputs: check.outputs,
      samplesCompared: check.samplesCompared,
      detail: `output ${m.output} differs from ${against} in set ${m.set}, batch starting at sample ${m.sample}`,
    };
  }
  return {
    status: 'identical',
    reference: check.reference,
    outputs: check.outputs,
    samplesCompared: check.samplesCompared,
    detail: `${check.outputs.join(', ')} bit-identical to ${against} on all ${check.samplesCompared} samples`,
  };
}
