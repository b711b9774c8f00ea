// The contract every scoring method implements: append nodes that turn FP32 logits [batch, classes] into one
// FP32 score per row, [batch, 1], where higher means more in-distribution.
import type { OpBuilder } from '../../onnx/op-builder.js';

export interface ScoreMethod {
  name: string;
  /** One line for --help and the docs. */
  summary: string;
  /** Whether --temperature changes the score's ranking or scale. */
  usesTemperature: boolean;
  /** Hyper-parameters recorded in ood.method_parameters (methods that have any). */
  parameters?: Record<string, number>;
  /**
   * Append the score subgraph: `logits` is FP32 [batch, classes] (`classes` when the graph declares it); the
   * score is written to `out`, [batch, 1].
   */
  build(b: OpBuilder, logits: string, temperature: number, out: string, classes?: number): void;
}

/** `logits / T`, or the logits themselves when T is 1 (no node added). */
export function scaleByTemperature(b: OpBuilder, logits: string, temperature: number): string {
  if (temperature === 1) return logits;
  return b.binary('Div', logits, b.floats('temperature', [], [temperature]));
}
