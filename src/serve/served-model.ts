// What the protocol handlers need of a model, and nothing more: its state, its description and one way to run
// it. The engine (engine/model-engine.ts: sessions in instance processes or threads) provides it, and a protocol
// test provides it with a ten-line fake, without an artifact on disk or onnxruntime.
import type { OodError } from '../errors.js';
import type { ScoreRequest, ScoreResponse, RuntimeYaml, TensorSpec } from '../artifact/spec.js';
import type { EvaluationSummary } from '../artifact/evaluation.js';

/** Lifecycle of a served model: `loading` answers 503, `failed` answers DRUM's 513 on /health. */
export type ModelState = 'loading' | 'ready' | 'failed';

/** The signature and identity of the served model, as the artifact declares them. */
export interface ModelDescription {
  name: string;
  version: string;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  runtime: RuntimeYaml | null;
  /** Headline figures of the artifact's evaluation.json, when it has one. */
  evaluation: EvaluationSummary | null;
  /**
   * The classes' names, in class order (the artifact's labels.txt), or null when it has none. They name the last
   * axis of runtime.yaml's CLASSIFICATION.OUTPUT (DRUM's keyed predictions, V2's classification extension, V1).
   */
  labels: string[] | null;
}

/** Per-request facts the engine may use: who asked (for logs) and until when the answer is wanted. */
export interface PredictContext {
  requestId?: string;
  /** Absolute deadline (performance.now() milliseconds); past it the request is answered 504. */
  deadline?: number;
  /** Filled in by the engine: time in the queue and in the model, and the batch the request ran in. */
  timings?: { queueMs?: number; inferMs?: number; batchSize?: number };
}

/** The model as the protocols see it. */
export interface ServedModel {
  readonly state: ModelState;
  /** Why the model failed to load, when `state` is `failed`. */
  readonly loadError: OodError | undefined;
  readonly description: ModelDescription;
  /** Non-fatal findings of the load (e.g. a synthetic warm-up that failed), shown on /info. */
  readonly warnings: readonly string[];
  /** Run the model on validated tensors; rejects with an OodError that carries the HTTP status. */
  predict(request: ScoreRequest, context?: PredictContext): Promise<ScoreResponse>;
}
