// One model instance, in a child process of the server (forked with the `advanced` IPC serialization), in a
// worker thread, or on the server's own thread (`--isolation inline`, through the exported `serve`): opens the
// session through the artifact's score.mjs with its own onnxruntime-node, proves it with a warm-up, then runs one
// batch at a time. Plain JavaScript that imports nothing of ood, so Node can start
// it whether ood runs from source or from dist/ (instance-host.ts starts it).
// In a thread, tensors come in and go out as transferred ArrayBuffers (no copies; a buffer that cannot be
// transferred is copied by structured clone instead). In a process they cross a socket pair as binary frames
// (tensor-frames.mjs), and control messages use Node's IPC channel.
import { parentPort, workerData } from 'node:worker_threads';
import { unlink } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';
import { FRAME_FD, readFrames, writeFrame } from './tensor-frames.mjs';

/** A failure with a stable code that the main thread turns into an OodError. */
function failure(code, message) {
  return { code, message };
}

/** The outputs of what predict() resolved to, or a failure naming what it got instead (score.mjs's contract,
 * docs/artifact-format.md: `{ outputs: [{ name, datatype, shape, data }, ...] }`). */
function outputsOf(response, entry) {
  const outputs = response?.outputs;
  if (Array.isArray(outputs)) return outputs;
  const got = response === null ? 'null' : Array.isArray(response) ? 'an array' : typeof response;
  throw failure('SCORE_INVALID', `${entry}'s predict() returned ${got}, not { outputs: [...] }`);
}

/** Import score.mjs, load the model and warm it up. Returns { predict, warnings } or throws a failure. */
export async function openInstance({ dir, entry, sessionOptions, warmup, log }) {
  let module;
  try {
    module = await import(pathToFileURL(join(dir, entry)).href);
  } catch (err) {
    throw failure('SCORE_INVALID', `cannot import ${entry}: ${err?.message ?? err}`);
  }
  if (typeof module.load !== 'function' || typeof module.predict !== 'function')
    throw failure('SCORE_INVALID', `${entry} must export load() and predict()`);
  let model;
  try {
    model = await module.load(dir, { ort, log, ...(sessionOptions ? { sessionOptions } : {}) });
  } catch (err) {
    throw failure('MODEL_LOAD_FAILED', `the model failed to load: ${err?.message ?? err}`);
  }
  const predict = async (request) => {
    const req = module.preprocess ? await module.preprocess(request, model) : request;
    const res = await module.predict(model, req);
    return module.postprocess ? await module.postprocess(res, model) : res;
  };
  const warnings = [];
  if (warmup) {
    let response;
    try {
      response = await predict({ inputs: warmup.inputs });
    } catch (err) {
      const why = err?.message ?? String(err);
      if (!warmup.synthetic) throw failure('SAMPLE_FAILED', `the artifact's sample.json failed on the model: ${why}`);
      warnings.push(
        `the synthetic warm-up (one row of zeros per input) failed, so the model is served unproven: ${why}`,
      );
    }
    // A predict() that answers but breaks the contract would fail every request: the model is not ready, whatever
    // the warm-up's inputs were (issue 18 item 16: it returned null and /health said 200).
    if (response !== undefined) outputsOf(response, entry);
  }
  return { predict, warnings, entry };
}

/** The ArrayBuffers of a list of tensors that can be moved to the other thread. */
function transferables(tensors) {
  const buffers = new Set();
  for (const t of tensors ?? []) {
    const buffer = ArrayBuffer.isView(t?.data) ? t.data.buffer : undefined;
    if (buffer instanceof ArrayBuffer && buffer.byteLength > 0) buffers.add(buffer);
  }
  return [...buffers];
}

function errorOf(err) {
  return { code: typeof err?.code === 'string' ? err.code : undefined, message: err?.message ?? String(err) };
}

/**
 * Open the instance and answer its runs over `channel`. Exported for `--isolation inline` (instance-host.ts),
 * where the channel is a pair of function calls on the server's own thread.
 */
export async function serve(channel, init) {
  const log = (message) => channel.post({ type: 'log', message: String(message) });
  let instance;
  try {
    instance = await openInstance({ ...init, log });
  } catch (err) {
    channel.post({ type: 'load-failed', error: errorOf(err) });
    return;
  }
  // onnxruntime's telemetry leaves an empty $TMPDIR/mat-debug-<pid>.log in every process that opens a session
  // (src/io/onnxruntime-litter.ts); in a process of our own it is ours to remove.
  if (channel.ownProcess) await unlink(join(tmpdir(), `mat-debug-${process.pid}.log`)).catch(() => undefined);
  // One batch at a time, in the order sent: a batch's deadline is checked when its turn comes, not when it
  // arrived behind the running one (pipelining, model-engine.ts). An inline channel starts each run at once
  // instead (`concurrent`): onnxruntime-node still runs them one by one, in the order their session.run was called.
  let turn = Promise.resolve();
  channel.onRun((message) => {
    if (message?.type !== 'run') return;
    if (channel.concurrent) void run(message);
    else turn = turn.then(() => run(message));
  });
  // When the last run ended: a concurrent run started before it waited for it, and that wait is not its inference.
  let lastEnded = 0;
  async function run(message) {
    if (typeof message.notAfter === 'number' && performance.timeOrigin + performance.now() >= message.notAfter) {
      const error = { code: 'DEADLINE_EXCEEDED', message: 'its deadline passed before it began' };
      channel.postRun({ type: 'error', id: message.id, error, skipped: true });
      return;
    }
    const started = performance.now();
    try {
      const response = await instance.predict({ inputs: message.inputs, outputs: message.outputs });
      const outputs = outputsOf(response, instance.entry);
      const plain = outputs.map((t) => ({
        name: t.name,
        datatype: t.datatype,
        shape: Array.from(t.shape, Number),
        data: t.data,
      }));
      const ended = performance.now();
      const inferMs = ended - Math.max(started, lastEnded);
      lastEnded = ended;
      channel.postRun({ type: 'result', id: message.id, outputs: plain, inferMs });
    } catch (err) {
      channel.postRun({ type: 'error', id: message.id, error: errorOf(err) });
    }
  }
  channel.post({ type: 'ready', warnings: instance.warnings });
}

if (parentPort && workerData?.oodInstance === true) {
  const channel = {
    ownProcess: false,
    post: (message) => parentPort.postMessage(message),
    // Results move their buffers to the server's thread; one that refuses to move is copied instead.
    postRun(message) {
      try {
        parentPort.postMessage(message, transferables(message.outputs));
      } catch {
        parentPort.postMessage(message);
      }
    },
    onRun: (listener) => parentPort.on('message', listener),
  };
  void serve(channel, workerData);
} else if (process.send && process.env.OOD_INSTANCE_PROCESS === '1') {
  // The server ends this process when it is done with it (SIGKILL) and an orphan ends itself when the IPC
  // channel closes. A Ctrl-C reaches the whole process group: ignore it, so the server can drain through us.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => undefined);
  process.on('disconnect', () => process.exit(0));
  const frames = new Socket({ fd: FRAME_FD, readable: true, writable: true });
  frames.on('error', () => process.exit(0)); // the server is gone
  const channel = {
    ownProcess: true,
    post: (message) => process.send(message, () => undefined),
    postRun: (message) => writeFrame(frames, message, message.outputs ? 'outputs' : undefined),
    onRun: (listener) => readFrames(frames, listener),
  };
  process.once('message', (message) => {
    if (message?.type === 'init') void serve(channel, message.init);
  });
}
