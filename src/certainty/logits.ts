// Which model output holds the logits. The default rule: the single graph output that is a floating-point
// tensor of rank 2, [batch, classes], with a fixed class dimension greater than 1. `--logits NAME` overrides it.
import { OodError } from '../errors.js';
import type { Dim, ValueInfo } from '../onnx/decode.js';
import { isFloatType, v2Name } from '../tensor/datatypes.js';

/** The output `ood enable` scores. */
export interface LogitsChoice {
  name: string;
  /** ONNX element type (1 FP32, 10 FP16, 11 FP64, 16 BF16). */
  elemType: number;
  /** Declared shape, or null when the graph does not declare one. */
  shape: Dim[] | null;
  /** The batch dimension to give the score output. */
  batchDim: Dim;
  /** Outputs the default rule considered; more than one only when --logits chose among them. */
  candidates: string[];
}

/** A short human description of an output's type, e.g. `FP32 [batch, 10]`. */
export function describeOutput(v: ValueInfo): string {
  if (v.type.kind !== 'tensor') return v.type.kind;
  const shape = v.type.shape ? `[${v.type.shape.map((d) => d ?? '?').join(', ')}]` : '(no shape)';
  return `${v2Name(v.type.elemType)} ${shape}`;
}

/** True when an output fits the default rule. */
export function isLogitsCandidate(v: ValueInfo): boolean {
  if (v.type.kind !== 'tensor' || !isFloatType(v.type.elemType)) return false;
  const shape = v.type.shape;
  return shape !== null && shape.length === 2 && typeof shape[1] === 'number' && shape[1] > 1;
}

function listOutputs(outputs: readonly ValueInfo[]): string {
  return outputs.map((o) => `${o.name} (${describeOutput(o)})`).join(', ') || 'none';
}

/**
 * Pick the logits output. `exclude` lists outputs that are not the model's own (an earlier score output when
 * re-enabling). Throws LOGITS_* errors that name the outputs a user can choose from.
 */
export function chooseLogits(
  outputs: readonly ValueInfo[],
  requested?: string,
  exclude: ReadonlySet<string> = new Set(),
): LogitsChoice {
  const own = outputs.filter((o) => !exclude.has(o.name));
  const candidates = own.filter(isLogitsCandidate).map((o) => o.name);
  if (requested !== undefined) return checkRequested(own, requested, candidates);
  if (candidates.length === 1)
    return toChoice(
      own.find((o) => o.name === candidates[0])!,
      candidates,
    );
  if (candidates.length === 0) {
    throw new OodError(
      'NO_LOGITS',
      `no output of the model looks like classifier logits; outputs: ${listOutputs(own)}`,
      {
        hint: 'ood enable needs a floating-point [batch, classes] output. If one of these is it, pass --logits NAME.',
        details: { outputs: own.map((o) => ({ name: o.name, type: describeOutput(o) })) },
      },
    );
  }
  throw new OodError('LOGITS_AMBIGUOUS', `several outputs could be the logits: ${candidates.join(', ')}`, {
    hint: `Pass --logits with one of them, e.g. --logits ${candidates[0]}.`,
    details: { candidates },
  });
}

function checkRequested(own: readonly ValueInfo[], requested: string, candidates: string[]): LogitsChoice {
  const v = own.find((o) => o.name === requested);
  if (!v) {
    throw new OodError(
      'LOGITS_NOT_FOUND',
      `the model has no output named "${requested}"; outputs: ${listOutputs(own)}`,
      {
        hint: 'Pass --logits with one of the listed output names.',
        details: { outputs: own.map((o) => o.name) },
      },
    );
  }
  if (v.type.kind !== 'tensor' || !isFloatType(v.type.elemType)) {
    throw new OodError(
      'LOGITS_NOT_FLOAT',
      `output "${requested}" is ${describeOutput(v)}, not a floating-point tensor`,
      {
        hint: 'Scores are computed from float logits; choose an FP32, FP16, FP64 or BF16 output.',
      },
    );
  }
  const shape = v.type.shape;
  if (shape !== null && (shape.length !== 2 || shape[1] === 1)) {
    throw new OodError(
      'LOGITS_BAD_SHAPE',
      `output "${requested}" has shape ${describeOutput(v)}; logits must be [batch, classes] with more than one class`,
      {
        hint: 'Choose the [batch, classes] output, or export the model so that it returns one.',
      },
    );
  }
  return toChoice(v, candidates);
}

function toChoice(v: ValueInfo, candidates: string[]): LogitsChoice {
  const t = v.type as { kind: 'tensor'; elemType: number; shape: Dim[] | null };
  return { name: v.name, elemType: t.elemType, shape: t.shape, batchDim: t.shape?.[0] ?? null, candidates };
}
