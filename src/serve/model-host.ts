// The model behind the server: reads the artifact's signature, imports its score.mjs, loads the model through it
// with our onnxruntime-node, and proves it with a warm-up inference. Load failures are kept, not thrown, so the
// server can stay up and report them on /health (DRUM's 513).
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';
import { summarizeEvaluation } from '../artifact/evaluation.js';
import { openArtifact, requireDocument, type ArtifactReader } from '../artifact/open.js';
import { OodError, toOodError } from '../errors.js';
import { ARTIFACT_FILES, type ScoreRequest, type ScoreResponse } from '../artifact/spec.js';
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

/** A loaded (or failed) model with one entry point for inference, run on the calling thread. */
export class ModelHost implements ServedModel {
  state: ModelState = 'loading';
  loadError: OodError | undefined;
  description: ModelDescription;
  readonly warnings: string[] = [];
  private module: ScoreModule | undefined;
  private model: unknown;
  private described = false;
  private reader: ArtifactReader | undefined;
  private dir: string | undefined;

  constructor(
    /** The artifact: an open reader (zip or directory), or the path of an artifact directory. */
    private readonly artifact: ArtifactReader | string,
    private readonly log: (message: string) => void = () => {},
    /** Passed to score.mjs's load() for InferenceSession.create (e.g. intraOpNumThreads). */
    private readonly sessionOptions?: ort.InferenceSession.SessionOptions,
  ) {
    const path = typeof artifact === 'string' ? artifact : artifact.path;
    this.description = { name: basename(path), version: '1', inputs: [], outputs: [], runtime: null, evaluation: null };
  }

  private async open(): Promise<ArtifactReader> {
    this.reader ??= typeof this.artifact === 'string' ? await openArtifact(this.artifact) : this.artifact;
    return this.reader;
  }

  /** Read the artifact's identity and signature (runtime.yaml, I/O schemas); throws OodError when unreadable. */
  async describe(): Promise<ModelDescription> {
    if (this.described) return this.description;
    const reader = await this.open();
    // runtime.yaml is optional to the server (defaults: the directory's name, score.mjs), but never unvalidated.
    const runtime = reader.has(ARTIFACT_FILES.runtime)
      ? requireDocument(await reader.runtime(), ARTIFACT_FILES.runtime)
      : null;
    const input = requireDocument(await reader.inputSchema(), ARTIFACT_FILES.inputSchema);
    const output = requireDocument(await reader.outputSchema(), ARTIFACT_FILES.outputSchema);
    const details = runtime?.MODEL_DETAILS;
    // An evaluation is informative only: an absent or invalid file means "none" (introspect reports why).
    const stored = await reader.evaluation();
    const evaluation = stored.ok && stored.value ? summarizeEvaluation(stored.value) : null;
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
      this.dir = await (await this.open()).directory();
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
