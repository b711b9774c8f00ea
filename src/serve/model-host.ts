// The model behind the server: reads the artifact's signature, imports its score.mjs, loads the model through it
// with our onnxruntime-node, and proves it with a warm-up inference. Load failures are kept, not thrown, so the
// server can stay up and report them on /health (DRUM's 513).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { readEvaluationFile, summarizeEvaluation, type EvaluationSummary } from '../evaluate/evaluation-file.js';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';
import { parse as parseYaml } from 'yaml';
import { OodError, toOodError } from '../errors.js';
import {
  ARTIFACT_FILES,
  type IoSchema,
  type RuntimeYaml,
  type ScoreRequest,
  type ScoreResponse,
} from '../artifact/spec.js';
import type { NamedTensor } from '../tensor/tensor.js';
import { allocate } from '../tensor/tensor.js';
import type { ModelDescription, ModelState, ServedModel } from './served-model.js';

/** What score.mjs exports (artifact format 1.0). */
interface ScoreModule {
  load(
    dir: string,
    context: { ort: typeof ort; log: (message: string) => void; sessionOptions?: ort.InferenceSession.SessionOptions },
  ): Promise<unknown> | unknown;
  predict(model: unknown, request: ScoreRequest): Promise<ScoreResponse> | ScoreResponse;
  preprocess?(request: ScoreRequest, model: unknown): Promise<ScoreRequest> | ScoreRequest;
  postprocess?(response: ScoreResponse, model: unknown): Promise<ScoreResponse> | ScoreResponse;
}

async function readJson<T>(dir: string, file: string): Promise<T> {
  try {
    return JSON.parse(await readFile(join(dir, file), 'utf8')) as T;
  } catch (err) {
    throw new OodError('ARTIFACT_INVALID', `cannot read ${file} of the artifact: ${(err as Error).message}`, {
      cause: err,
      hint: 'Rebuild the artifact with `ood prepare`, then check it with `ood introspect`.',
    });
  }
}

/** An evaluation is informative only: an absent or invalid file means "none" (introspect reports why). */
async function readEvaluationSummary(path: string): Promise<EvaluationSummary | null> {
  if (!existsSync(path)) return null;
  try {
    return summarizeEvaluation(await readEvaluationFile(path));
  } catch {
    return null;
  }
}

/** A loaded (or failed) model with one entry point for inference, run on the calling thread. */
export class ModelHost implements ServedModel {
  state: ModelState = 'loading';
  loadError: OodError | undefined;
  description: ModelDescription;
  readonly warnings: string[] = [];
  private module: ScoreModule | undefined;
  private model: unknown;
  private described = false;

  constructor(
    readonly dir: string,
    private readonly log: (message: string) => void = () => {},
    /** Passed to score.mjs's load() for InferenceSession.create (e.g. intraOpNumThreads). */
    private readonly sessionOptions?: ort.InferenceSession.SessionOptions,
  ) {
    this.description = { name: basename(dir), version: '1', inputs: [], outputs: [], runtime: null, evaluation: null };
  }

  /** Read the artifact's identity and signature (runtime.yaml, I/O schemas); throws OodError when unreadable. */
  async describe(): Promise<ModelDescription> {
    if (this.described) return this.description;
    const runtimeText = await readFile(join(this.dir, ARTIFACT_FILES.runtime), 'utf8').catch(() => null);
    const runtime = runtimeText === null ? null : (parseYaml(runtimeText) as RuntimeYaml);
    const input = await readJson<IoSchema>(this.dir, ARTIFACT_FILES.inputSchema);
    const output = await readJson<IoSchema>(this.dir, ARTIFACT_FILES.outputSchema);
    const details = runtime?.MODEL_DETAILS;
    const evaluation = await readEvaluationSummary(join(this.dir, ARTIFACT_FILES.evaluation));
    this.description = {
      name: details?.NAME ?? this.description.name,
      version: String(details?.VERSION ?? '1'),
      inputs: [...input.tensors].sort((a, b) => a.order - b.order),
      outputs: [...output.tensors].sort((a, b) => a.order - b.order),
      runtime,
      evaluation,
    };
    this.described = true;
    return this.description;
  }

  /** Load and warm up. Never throws: the outcome is `state` and `loadError`. */
  async load(): Promise<void> {
    try {
      const { runtime } = await this.describe();
      const entry = runtime?.MODEL_DEPLOYMENT?.INFERENCE_RUNTIME?.ENTRYPOINT ?? ARTIFACT_FILES.score;
      this.module = (await import(pathToFileURL(join(this.dir, entry)).href)) as ScoreModule;
      if (typeof this.module.load !== 'function' || typeof this.module.predict !== 'function') {
        throw new OodError('SCORE_INVALID', `${entry} must export load() and predict()`, {
          hint: 'Rebuild the artifact with `ood prepare`.',
        });
      }
      this.model = await this.module.load(this.dir, {
        ort,
        log: this.log,
        ...(this.sessionOptions ? { sessionOptions: this.sessionOptions } : {}),
      });
      await this.predict({ inputs: this.warmUpInputs() });
      this.state = 'ready';
    } catch (err) {
      this.loadError = toOodError(err);
      if (this.loadError.code === 'INTERNAL') {
        this.loadError = new OodError(
          'MODEL_LOAD_FAILED',
          `the model failed to load: ${(err as Error)?.message ?? err}`,
          { cause: err, kind: 'internal' },
        );
      }
      this.state = 'failed';
    }
  }

  /** One row of zeros (dynamic dims = 1) per input: enough to prove the whole path works. */
  private warmUpInputs(): NamedTensor[] {
    return this.description.inputs.map((t) => {
      const shape = t.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : 1));
      return {
        name: t.name,
        datatype: t.datatype,
        shape,
        data: allocate(
          t.datatype,
          shape.reduce((a, b) => a * b, 1),
        ),
      };
    });
  }

  /** Run the artifact's predict (with its optional pre/post hooks). */
  async predict(request: ScoreRequest): Promise<ScoreResponse> {
    const m = this.module;
    if (!m) throw new OodError('MODEL_NOT_READY', 'the model is not loaded', { httpStatus: 503 });
    const req = m.preprocess ? await m.preprocess(request, this.model) : request;
    const res = await m.predict(this.model, req);
    return m.postprocess ? await m.postprocess(res, this.model) : res;
  }
}
