// The served model as a set of instances (child processes or worker threads) behind one scheduler: the ServedModel the protocols
// talk to. Loading starts every instance (each opens its own session through score.mjs and warms up); a crashed
// instance fails only the batch it held, is logged with those requests' ids, and is started again, with a growing
// pause if it keeps crashing. An empty batch is answered here without reaching any instance.
import { OodError, toOodError } from '../../errors.js';
import type { ArtifactReader } from '../../artifact/open.js';
import type { ScoreRequest, ScoreResponse } from '../../artifact/spec.js';
import { describeArtifact, entrypointOf, warmupInputs } from '../artifact-description.js';
import type { ModelDescription, ModelState, PredictContext, ServedModel } from '../served-model.js';
import { emptyOutputs, isEmptyBatch } from './empty-batch.js';
import { Instance, type InstanceSpec } from './instance.js';
import type { InstancePlan } from './instance-plan.js';
import { Scheduler, type SchedulerEvents, type SchedulerOptions } from './scheduler.js';

export type Log = (
  level: 'debug' | 'info' | 'warn' | 'error',
  message: string,
  fields?: Record<string, unknown>,
) => void;

export interface EngineOptions extends SchedulerOptions {
  plan: InstancePlan;
  log: Log;
  events?: SchedulerEvents & { restart?(index: number, why: string): void };
}

const RESTART_PAUSE_MS = [0, 100, 500, 2_000, 5_000];

/** Inference time an inline instance may hold at once, in ms (see inlineDepth). */
export const INLINE_HELD_MS = 2;
/** Most requests an inline instance holds at once. */
export const INLINE_MAX_DEPTH = 64;

/**
 * How many requests an inline instance holds at once, from the model's mean run time: 1 until a run has been
 * timed, then as many as fit in INLINE_HELD_MS of inference, between 1 and INLINE_MAX_DEPTH. onnxruntime-node
 * runs each session.run in a setImmediate of its own, so an instance that holds one request at a time runs one
 * per turn of the event loop, and each turn costs an epoll_wait (bench/NOTES.md, "Inline depth": one per request
 * at concurrency 64, against one per 50 for the minimal server); the runs handed over together execute in one
 * turn. The bound keeps what /health and the deadlines wait for in that turn to a few ms: a model that takes
 * 2 ms or more per run is held one at a time, as before.
 */
export function inlineDepth(meanRunMs: number): number {
  if (!(meanRunMs > 0)) return 1;
  return Math.max(1, Math.min(INLINE_MAX_DEPTH, Math.floor(INLINE_HELD_MS / meanRunMs)));
}

/** A model served by instances in child processes or worker threads. */
export class ModelEngine implements ServedModel {
  state: ModelState = 'loading';
  loadError: OodError | undefined;
  description: ModelDescription;
  warnings: string[] = [];
  readonly instances: (Instance | undefined)[];
  readonly scheduler: Scheduler;
  restarts = 0;
  private spec: InstanceSpec | undefined;
  private stopped = false;
  private recentCrashes: number[] = [];

  get plan(): InstancePlan {
    return this.options.plan;
  }

  constructor(
    private readonly reader: ArtifactReader,
    /** The artifact as a directory on disk (a zip extracted), where score.mjs is imported from. */
    readonly dir: string,
    private readonly options: EngineOptions,
  ) {
    this.description = {
      name: 'model',
      version: '1',
      inputs: [],
      outputs: [],
      runtime: null,
      evaluation: null,
      labels: null,
    };
    this.instances = new Array(options.plan.instances).fill(undefined);
    const runners = () => this.instances.filter((i): i is Instance => i !== undefined);
    this.scheduler = new Scheduler(runners, options, {
      ...options.events,
      crash: (runner, ids) => {
        const index = runner.index;
        options.log('error', `instance ${index} crashed; its requests failed with 500`, {
          instance: index,
          request_ids: ids,
        });
        options.events?.crash?.(runner, ids);
      },
    });
  }

  /** Read the signature; throws when the artifact is unreadable (load() then reports it). */
  async describe(): Promise<ModelDescription> {
    this.description = await describeArtifact(this.reader);
    return this.description;
  }

  /** Describe, then start every instance. Never throws: the outcome is `state` and `loadError`. */
  async load(): Promise<void> {
    try {
      await this.describe();
      const { threads } = this.options.plan;
      this.spec = {
        dir: this.dir,
        entry: entrypointOf(this.description),
        // No CPU arena: with it, onnxruntime keeps the peak of any run for the session's life (a 64 MiB batch
        // left digits' process at 1.7 GB); without it memory returns after the run (docs/serve.md, "Memory").
        sessionOptions: { intraOpNumThreads: threads, interOpNumThreads: 1, enableCpuMemArena: false },
        warmup: await warmupInputs(this.reader, this.description),
        isolation: this.options.plan.isolation,
      };
      const started = await Promise.allSettled(this.instances.map((_, i) => this.startInstance(i)));
      const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      this.warnings = [...new Set(this.instances.flatMap((i) => i?.warnings ?? []))];
      for (const w of this.warnings) this.options.log('warn', w);
      this.state = this.stopped ? 'failed' : 'ready';
      this.scheduler.pump();
    } catch (err) {
      const error = toOodError(err);
      this.loadError =
        error.code === 'INTERNAL'
          ? new OodError('MODEL_LOAD_FAILED', `the model failed to load: ${(err as Error)?.message ?? err}`, {
              cause: err,
            })
          : error;
      this.state = 'failed';
      await Promise.all(this.instances.map((i) => i?.stop()));
    }
  }

  private async startInstance(index: number): Promise<void> {
    const instance = new Instance(
      index,
      this.spec!,
      (level, message) => this.options.log(level, message),
      (dead, why) => this.onCrash(dead, why),
      this.pipelineDepth(),
    );
    await instance.start();
    if (this.stopped) return instance.stop();
    this.instances[index] = instance;
  }

  /**
   * An instance process holds its running request and the next one, so it goes from one to the next without
   * sleeping until the server's thread wakes to send it (bench/serve.mjs --isolation: ~1.5x the digits
   * throughput at concurrency 64). An inline instance holds as many as `inlineDepth` allows for the model's
   * measured speed. Not with dynamic batching, whose batches form in the queue while instances are busy, nor in
   * threads, whose inputs move to the thread and could not be queued again after a crash.
   */
  private pipelineDepth(): number | (() => number) {
    if (this.options.maxBatch > 1) return 1;
    if (this.options.plan.isolation === 'inline') return () => inlineDepth(this.scheduler.meanRunMs);
    return this.options.plan.isolation === 'process' ? 2 : 1;
  }

  private onCrash(dead: Instance, why: string): void {
    this.instances[dead.index] = undefined;
    if (this.stopped) return;
    this.restarts++;
    this.options.events?.restart?.(dead.index, why);
    const now = Date.now();
    this.recentCrashes = [...this.recentCrashes.filter((t) => now - t < 60_000), now];
    const pause = RESTART_PAUSE_MS[Math.min(this.recentCrashes.length - 1, RESTART_PAUSE_MS.length - 1)]!;
    this.options.log('error', `instance ${dead.index} died (${why}); restarting it in ${pause} ms`, {
      instance: dead.index,
    });
    setTimeout(() => {
      if (this.stopped) return;
      this.startInstance(dead.index).then(
        () => {
          this.options.log('info', `instance ${dead.index} restarted`, { instance: dead.index });
          this.scheduler.pump();
        },
        (err: unknown) => this.onCrash(dead, `restart failed: ${(err as Error).message}`),
      );
    }, pause).unref();
  }

  /** Run validated tensors through the queue and an instance. */
  async predict(request: ScoreRequest, context: PredictContext = {}): Promise<ScoreResponse> {
    if (this.state !== 'ready') throw new OodError('MODEL_NOT_READY', 'the model is not loaded');
    if (isEmptyBatch(request.inputs, this.description))
      return { outputs: emptyOutputs(request.inputs, this.description, request.outputs) };
    const outputs = await this.scheduler.submit({
      inputs: request.inputs,
      outputs: request.outputs,
      deadline: context.deadline,
      requestId: context.requestId,
      timings: context.timings ?? {},
    });
    return { outputs };
  }

  /** Stop every instance; requests still queued fail with 503. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.scheduler.failAll(
      new OodError('SERVER_STOPPING', 'the server is stopping', { hint: 'Retry on another replica.' }),
    );
    await Promise.all(this.instances.map((i) => i?.stop()));
  }
}
