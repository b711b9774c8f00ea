// `ood serve --acceptors N`: N processes accept HTTP on one listening socket, for models small enough that the
// HTTP layer is the bottleneck. This is the primary process: it admits and extracts the artifact once, forks the
// acceptors (node:cluster workers, acceptor-main.ts), each with instances of its own, and
// - sets the cluster's scheduling to SCHED_NONE: every acceptor accepts on the shared socket itself, instead of
//   the primary accepting and handing each connection over (bench/serve.mjs measured 1.15x against 0.83x);
// - answers an acceptor's /metrics with every acceptor's registry (and its own) aggregated by prom-client's
//   AggregatorRegistry, and the statistics extension with every acceptor's counters summed;
// - declares the whole server ready once every acceptor is (each acceptor's /health says so only then);
// - restarts an acceptor that died (only its own connections are lost), which joins the socket once its
//   instances are up;
// - on close, drains every acceptor and releases the artifact.
import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { AggregatorRegistry, Counter, Gauge, Registry } from 'prom-client';
import { OodError } from '../../errors.js';
import { createLogger } from '../logger.js';
import { defaultMemoryBudget } from '../memory-budget.js';
import { mergeModelStats, type ModelStat } from '../model-statistics.js';
import { openServedArtifact } from '../served-artifact.js';
import type { ModelState } from '../served-model.js';
import type { ServeOptions } from '../server.js';
import { planInstances, type InstancePlan } from '../engine/instance-plan.js';
import {
  CONFIG_ENV,
  fromShape,
  isMessage,
  type AcceptorConfig,
  type Collect,
  type ToAcceptor,
  type ToPrimary,
} from './messages.js';

/** Next to this module in dist/ (the acceptors run the compiled server). */
export const ACCEPTOR_SCRIPT = fileURLToPath(new URL('./acceptor-main.js', import.meta.url));

const RESTART_PAUSE_MS = [0, 100, 500, 2_000, 5_000];
const COLLECT_TIMEOUT_MS = 5_000;

/** What the CLI needs of a running server, one process or several. */
export interface ServeHandle {
  url: string;
  port: number;
  ready: Promise<void>;
  model: { state: ModelState; name: string; warnings: readonly string[]; loadError: OodError | undefined };
  plan: InstancePlan;
  /** The acceptors' process ids (the server's own without --acceptors). */
  pids(): number[];
  close(): Promise<{ cut: number }>;
}

interface Acceptor {
  index: number;
  worker: Worker;
  /** Started in place of one that died: it listens once its instances are up. */
  replacement: boolean;
  listening: boolean;
  loaded?: Extract<ToPrimary, { type: 'ood:loaded' }>;
  cut: number;
  exited: Promise<void>;
}

/**
 * Start the plan's acceptor processes on one port (`options.acceptors`, else what planInstances says: the cores
 * for an inline server); resolves once every one listens.
 */
export async function startAcceptors(
  artifact: string,
  options: ServeOptions & { acceptors?: number },
): Promise<ServeHandle> {
  const log = createLogger({ format: options.logFormat, level: options.logLevel, write: options.log });
  const plan = planInstances(options);
  const served = await openServedArtifact(artifact, log);
  // --max-memory bounds the whole server: each acceptor holds its share. --max-queue is each acceptor's.
  const budget = options.maxMemory ?? defaultMemoryBudget();
  const { log: _log, acceptor: _acceptor, acceptors: _count, ...rest } = options;
  const acceptorOptions = {
    ...rest,
    instances: plan.instances,
    threads: plan.threads,
    maxMemory: Math.max(1, Math.floor(budget / plan.acceptors)),
  };
  if (!process.env.NODE_CLUSTER_SCHED_POLICY) cluster.schedulingPolicy = cluster.SCHED_NONE;
  cluster.setupPrimary({ exec: ACCEPTOR_SCRIPT, args: [], serialization: 'advanced' });

  const registry = new Registry();
  const restarts = new Counter({
    name: 'ood_acceptor_restarts_total',
    help: 'HTTP acceptor processes (--acceptors) that died and were restarted.',
    registers: [registry],
  });
  const acceptors: (Acceptor | undefined)[] = new Array(plan.acceptors).fill(undefined);
  const live = () => acceptors.filter((a): a is Acceptor => a !== undefined && a.listening && a.worker.isConnected());
  new Gauge({
    name: 'ood_acceptors',
    help: 'HTTP acceptor processes listening.',
    registers: [registry],
    collect() {
      this.set(live().length);
    },
  });

  let port = options.port;
  let state: ModelState = 'loading';
  let loadError: OodError | undefined;
  let warnings: readonly string[] = [];
  let name = 'model';
  let stopping = false;
  let started = false;
  const crashes: number[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let startupFailed!: (err: OodError) => void;
  let allListening!: () => void;
  const startup = new Promise<void>((resolve, reject) => {
    allListening = resolve;
    startupFailed = reject;
  });
  let decided!: () => void;
  const ready = new Promise<void>((resolve) => (decided = resolve));

  // Collections: an acceptor asks, the primary asks every live acceptor and answers with the whole.
  let nextCollect = 0;
  const collecting = new Map<number, { waiting: Set<number>; values: unknown[]; done(): void }>();
  async function gather(what: Collect): Promise<unknown> {
    const id = nextCollect++;
    const targets = live();
    const values: unknown[] = [];
    await new Promise<void>((resolve) => {
      const waiting = new Set(targets.map((a) => a.index));
      const timer = setTimeout(() => {
        log('warn', `acceptors ${[...waiting].join(', ')} did not answer a ${what} collection in time`);
        finish();
      }, COLLECT_TIMEOUT_MS);
      const finish = () => {
        clearTimeout(timer);
        collecting.delete(id);
        resolve();
      };
      collecting.set(id, { waiting, values, done: finish });
      for (const a of targets) tell(a, { type: 'ood:collect', id, what });
      if (waiting.size === 0) finish();
    });
    if (what === 'stats') return mergeModelStats(values.filter((v) => v !== undefined) as ModelStat[]);
    const all = [...(values.filter((v) => v !== undefined) as object[]), await registry.getMetricsAsJSON()];
    return { contentType: registry.contentType, text: await AggregatorRegistry.aggregate(all).metrics() };
  }
  const collected = (a: Acceptor, id: number, value?: unknown) => {
    const c = collecting.get(id);
    if (!c || !c.waiting.delete(a.index)) return;
    c.values.push(value);
    if (c.waiting.size === 0) c.done();
  };

  const decide = () => {
    const loaded = acceptors.map((a) => a?.loaded);
    if (state !== 'loading' || loaded.some((l) => l === undefined)) return;
    const failed = loaded.find((l) => l!.state === 'failed');
    state = failed ? 'failed' : 'ready';
    loadError = failed?.error ? fromShape(failed.error) : undefined;
    warnings = loaded[0]!.warnings;
    name = loaded[0]!.name;
    for (const a of live()) tell(a, { type: 'ood:state', state, error: failed?.error });
    decided();
  };

  /** Send, unless the acceptor is gone (its exit is handled on its own). */
  function tell(a: Acceptor, message: ToAcceptor): void {
    if (a.worker.isConnected()) a.worker.send(message, undefined, () => undefined);
  }

  function onMessage(a: Acceptor, message: unknown): void {
    if (!isMessage<ToPrimary>(message)) return;
    switch (message.type) {
      case 'ood:listening':
        a.listening = true;
        port = message.port;
        if (a.replacement)
          log('info', `acceptor ${a.index} restarted`, { acceptor: a.index, pid: a.worker.process.pid });
        if (acceptors.every((x) => x?.listening)) allListening();
        break;
      case 'ood:loaded':
        a.loaded = message;
        decide();
        break;
      case 'ood:start-failed':
        if (!started) startupFailed(fromShape(message.error));
        else log('error', `acceptor ${a.index} failed to start: ${message.error.message}`, { acceptor: a.index });
        break;
      case 'ood:ask':
        void gather(message.what).then(
          (value) => tell(a, { type: 'ood:answer', id: message.id, value }),
          (err: Error) => tell(a, { type: 'ood:answer', id: message.id, error: err.message }),
        );
        break;
      case 'ood:collected':
        collected(a, message.id, message.value);
        break;
      case 'ood:stopped':
        a.cut = message.cut;
        break;
    }
  }

  function onExit(a: Acceptor, code: number | null, signal: string | null): void {
    if (acceptors[a.index] === a) acceptors[a.index] = undefined;
    for (const id of [...collecting.keys()]) collected(a, id);
    if (stopping) return;
    const why = signal ? `killed by ${signal}` : `exited with code ${code}`;
    if (!started) {
      startupFailed(new OodError('INTERNAL', `acceptor ${a.index} ${why} before it listened`));
      return;
    }
    restarts.inc();
    const now = Date.now();
    crashes.push(now);
    while (crashes.length > 0 && now - crashes[0]! > 60_000) crashes.shift();
    const pause = RESTART_PAUSE_MS[Math.min(crashes.length - 1, RESTART_PAUSE_MS.length - 1)]!;
    log('error', `acceptor ${a.index} died (${why}); only its connections were lost; restarting it in ${pause} ms`, {
      acceptor: a.index,
      pid: a.worker.process.pid,
    });
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!stopping) fork(a.index, true);
    }, pause);
    timers.add(timer);
  }

  function fork(index: number, replacement: boolean): void {
    const config: AcceptorConfig = {
      index,
      dir: served.dir,
      // The port as asked (0 included): node:cluster shares one handle per address and requested port, so a
      // replacement asking for the same joins the socket the others hold (another port number would not). When
      // none is left (one acceptor, as an inline server may have), node:cluster has closed that handle, and port 0
      // would be a new port: the replacement asks for the one the server was reached on.
      options: replacement && live().length === 0 ? { ...acceptorOptions, port } : acceptorOptions,
      listenWhenReady: replacement,
      state: replacement ? state : 'loading',
    };
    const worker = cluster.fork({ [CONFIG_ENV]: JSON.stringify(config) });
    const a: Acceptor = {
      index,
      worker,
      replacement,
      listening: false,
      cut: 0,
      exited: new Promise((resolve) => worker.once('exit', () => resolve())),
    };
    acceptors[index] = a;
    worker.on('message', (m: unknown) => onMessage(a, m));
    worker.on('error', () => undefined); // a send to a process that just died: its 'exit' reports the loss
    worker.once('exit', (code: number | null, signal: string | null) => onExit(a, code, signal));
  }

  async function stopAll(): Promise<number> {
    stopping = true;
    for (const t of timers) clearTimeout(t);
    const running = acceptors.filter((a): a is Acceptor => a !== undefined);
    for (const a of running) tell(a, { type: 'ood:stop' });
    // Each acceptor cuts its own connections at --drain-timeout; past that and a margin, it is ended.
    const limit = setTimeout(
      () => running.forEach((a) => a.worker.process.kill('SIGKILL')),
      (options.drainTimeoutMs ?? 30_000) + 10_000,
    );
    await Promise.all(running.map((a) => a.exited));
    clearTimeout(limit);
    return running.reduce((n, a) => n + a.cut, 0);
  }

  for (let i = 0; i < plan.acceptors; i++) fork(i, false);
  try {
    await startup;
    started = true;
  } catch (err) {
    await stopAll();
    await served.release();
    throw err;
  }
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    ready,
    model: {
      get state() {
        return state;
      },
      get name() {
        return name;
      },
      get warnings() {
        return warnings;
      },
      get loadError() {
        return loadError;
      },
    },
    plan,
    pids: () => acceptors.flatMap((a) => (a?.worker.process.pid ? [a.worker.process.pid] : [])),
    close: async () => {
      const cut = await stopAll();
      await served.release();
      return { cut };
    },
  };
}
