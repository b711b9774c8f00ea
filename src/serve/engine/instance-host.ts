// Where a model instance lives: a child process of its own, a worker thread of this process, or this very thread
// (`inline`). The three share one message protocol (instance-worker.mjs runs in all) behind `InstanceHost`, so the
// rest of the engine does not care which. Only a process contains a native crash: a SIGSEGV, SIGFPE or abort
// inside onnxruntime ends the process it happens in, and a worker thread or an inline instance shares the
// server's; the CLI therefore runs an inline server under the acceptors' primary, which replaces a dead acceptor
// (docs/serve.md, "Isolation").
import { Worker } from 'node:worker_threads';
import { fork, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Socket } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { NamedTensor } from '../../tensor/tensor.js';
import { CONFIG_ENV } from '../acceptors/messages.js';
import { FRAME_FD, readFrames, writeFrame } from './tensor-frames.mjs';

/**
 * `process` (default): a crash kills only the instance. `thread`: cheaper, but a native crash kills the server.
 * `inline`: the session runs on the HTTP thread itself, with no hand-over at all; for models whose run takes
 * microseconds, where the hand-over costs more than the inference (docs/serve.md, "Isolation").
 */
export type Isolation = 'process' | 'thread' | 'inline';

export const ISOLATIONS: readonly Isolation[] = ['process', 'thread', 'inline'];

/** Next to this module in dist/ and in src/ alike (tsc copies .mjs under allowJs). */
export const INSTANCE_SCRIPT = fileURLToPath(new URL('./instance-worker.mjs', import.meta.url));

/** The transport to one instance: messages both ways and one notice of its end. */
export interface InstanceHost {
  /** Send a message; the tensors' buffers may move to the instance, so the caller must not touch them after. */
  post(message: unknown, tensors: readonly NamedTensor[]): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Lines the instance wrote to stdout or stderr (a process's only; a thread writes to the server's own). */
  onOutput(listener: (line: string) => void): void;
  /** Called once, when the instance is gone for any reason, with why in words ("it was killed by SIGFPE"). */
  onGone(listener: (why: string) => void): void;
  /** End it now (stop or kill); resolves once it is gone. */
  terminate(): Promise<void>;
  /** The instance's process id (the server's own for a thread). */
  readonly pid: number | undefined;
}

/** The ArrayBuffers that may move to a worker thread: whole, unshared, not a slice of Node's Buffer pool. */
function transferables(tensors: readonly NamedTensor[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const t of tensors) {
    if (!ArrayBuffer.isView(t.data)) continue;
    const view = t.data as ArrayBufferView;
    if (view.buffer instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === view.buffer.byteLength)
      buffers.add(view.buffer);
  }
  return [...buffers];
}

/** Call `listener` once, however many ways the end is reported. */
function once(listener: (why: string) => void): (why: string) => void {
  let told = false;
  return (why) => {
    if (told) return;
    told = true;
    listener(why);
  };
}

function threadHost(init: unknown): InstanceHost {
  const worker = new Worker(INSTANCE_SCRIPT, { workerData: { oodInstance: true, ...(init as object) } });
  return {
    pid: process.pid,
    post(message, tensors) {
      try {
        worker.postMessage(message, transferables(tensors));
      } catch {
        worker.postMessage(message); // a buffer that refuses to move is copied instead
      }
    },
    onMessage: (listener) => void worker.on('message', listener),
    onOutput: () => undefined,
    onGone(listener) {
      const gone = once(listener);
      worker.on('error', (err) => gone(`it threw ${err.message}`));
      worker.on('exit', (code) => gone(`it exited with code ${code}`));
    },
    terminate: () => worker.terminate().then(() => undefined),
  };
}

/**
 * A child process. Control messages (init, ready, logs) use Node's IPC channel with the `advanced` serialization;
 * runs and their results go over a second socket pair as binary frames (tensor-frames.mjs), which costs the
 * server's thread less per request. What the process prints (score.mjs's console, onnxruntime's own log, a
 * native crash's trace) comes back as lines for the server's log, so `--log-format json` stays JSON.
 */
function processHost(init: unknown): InstanceHost {
  const child: ChildProcess = fork(INSTANCE_SCRIPT, [], {
    serialization: 'advanced',
    stdio: ['ignore', 'pipe', 'pipe', 'ipc', 'pipe'],
    env: { ...process.env, OOD_INSTANCE_PROCESS: '1' },
    execArgv: [],
  });
  const frames = child.stdio[FRAME_FD] as Socket;
  frames.on('error', () => undefined); // EPIPE once the process died: its 'exit' reports the loss
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ignored = () => undefined; // a failed send is followed by 'exit', which reports the loss
  child.send({ type: 'init', init }, ignored);
  return {
    pid: child.pid,
    post(message) {
      if ((message as { type?: string }).type === 'run') writeFrame(frames, message as object, 'inputs');
      else child.send(message as object, ignored);
    },
    onMessage(listener) {
      child.on('message', listener);
      readFrames(frames, listener);
    },
    onOutput(listener) {
      for (const stream of [child.stdout, child.stderr])
        if (stream) createInterface({ input: stream, crlfDelay: Infinity }).on('line', listener);
    },
    onGone(listener) {
      const gone = once(listener);
      child.on('error', (err) => gone(`its process failed: ${err.message}`));
      // Reported once the frames it wrote before dying are read too (the socket's end), so that an answer in
      // flight is not lost and the batches after it are known never to have run; 1 s at most.
      const framesRead = new Promise<void>((resolve) => {
        frames.once('close', () => resolve());
        setTimeout(resolve, 1000).unref();
      });
      child.on('exit', (code, signal) => {
        const why = signal ? `its process was killed by ${signal}` : `its process exited with code ${code}`;
        void framesRead.then(() => gone(why));
      });
    },
    async terminate() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** The channel instance-worker.mjs's `serve` talks through, as it sees it. */
interface WorkerChannel {
  /** Whether the onnxruntime telemetry log of the process the instance runs in is the instance's to remove. */
  ownProcess: boolean;
  post(message: unknown): void;
  postRun(message: unknown): void;
  onRun(listener: (message: unknown) => void): void;
  /**
   * Start each run as it arrives rather than after the one before it: inline, where the runs a turn of the event
   * loop hands over are then queued in onnxruntime's setImmediates of that same turn (model-engine.ts inlineDepth).
   */
  concurrent?: boolean;
}

/**
 * This thread. A run is a function call: its tensors are handed over by reference, and a result comes back through
 * a resolved promise of the instance's own. The worker module (and with it onnxruntime's binding) is imported only
 * when an inline instance starts, so that a server whose instances live elsewhere never loads it (a missing system
 * library then fails the model with 513, not the server at start).
 */
function inlineHost(init: unknown): InstanceHost {
  const listeners: ((message: unknown) => void)[] = [];
  let runListener: ((message: unknown) => void) | undefined;
  let goneListener: ((why: string) => void) | undefined;
  let gone = false;
  // Answers are delivered on a later microtask, as a port would: the engine's bookkeeping of a run (Instance.run)
  // is complete before its answer arrives.
  const deliver = (message: unknown) =>
    queueMicrotask(() => {
      if (!gone) for (const listener of listeners) listener(message);
    });
  const channel: WorkerChannel = {
    // An acceptor of `ood serve` is a process of ood's own whose only session is this one; in a library caller's
    // process the log is the caller's (../../io/onnxruntime-litter.ts removes it when ood's own code opens one).
    ownProcess: process.env[CONFIG_ENV] !== undefined,
    post: deliver,
    postRun: deliver,
    onRun: (listener) => (runListener = listener),
    concurrent: true,
  };
  const end = (why: string) => {
    if (gone) return;
    gone = true;
    goneListener?.(why);
  };
  import(pathToFileURL(INSTANCE_SCRIPT).href)
    .then((worker: { serve(channel: WorkerChannel, init: unknown): Promise<void> }) => worker.serve(channel, init))
    .catch((err: unknown) => queueMicrotask(() => end(`it threw ${(err as Error)?.message ?? String(err)}`)));
  return {
    pid: process.pid,
    post(message) {
      if (!gone) runListener?.(message);
    },
    onMessage: (listener) => void listeners.push(listener),
    onOutput: () => undefined,
    onGone(listener) {
      goneListener = listener; // called once: `end` keeps it so
    },
    async terminate() {
      end('it was stopped');
    },
  };
}

/** Start an instance's host; `init` is what instance-worker.mjs needs to open the model. */
export function startHost(isolation: Isolation, init: unknown): InstanceHost {
  if (isolation === 'inline') return inlineHost(init);
  return isolation === 'process' ? processHost(init) : threadHost(init);
}
