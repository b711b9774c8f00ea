// One model instance on its own thread (worker_threads): opens the session through the artifact's score.mjs with
// this thread's onnxruntime-node, proves it with a warm-up, then runs one batch at a time. Plain JavaScript that
// imports nothing of ood, so Node can start it as a worker whether ood runs from source or from dist/.
// Tensors come in and go out as transferred ArrayBuffers (no copies); a buffer that cannot be transferred (a
// pooled or shared one) is copied by structured clone instead.
import { parentPort, workerData } from 'node:worker_threads';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';

/** A failure with a stable code that the main thread turns into an OodError. */
function failure(code, message) {
  return { code, message };
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
    try {
      await predict({ inputs: warmup.inputs });
    } catch (err) {
      const why = err?.message ?? String(err);
      if (!warmup.synthetic) throw failure('SAMPLE_FAILED', `the artifact's sample.json failed on the model: ${why}`);
      warnings.push(
        `the synthetic warm-up (one row of zeros per input) failed, so the model is served unproven: ${why}`,
      );
    }
  }
  return { predict, warnings };
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

/** Post a message, moving the tensors' buffers; copy them when a buffer refuses to move. */
export function postTensors(port, message, tensors) {
  try {
    port.postMessage(message, transferables(tensors));
  } catch {
    port.postMessage(message);
  }
}

function errorOf(err) {
  return { code: typeof err?.code === 'string' ? err.code : undefined, message: err?.message ?? String(err) };
}

async function serve() {
  const log = (message) => parentPort.postMessage({ type: 'log', message: String(message) });
  let instance;
  try {
    instance = await openInstance({ ...workerData, log });
  } catch (err) {
    parentPort.postMessage({ type: 'load-failed', error: errorOf(err) });
    return;
  }
  parentPort.on('message', async (message) => {
    if (message?.type !== 'run') return;
    const started = performance.now();
    try {
      const response = await instance.predict({ inputs: message.inputs, outputs: message.outputs });
      const outputs = response?.outputs;
      if (!Array.isArray(outputs)) throw new Error('predict() must return { outputs: [...] }');
      const plain = outputs.map((t) => ({
        name: t.name,
        datatype: t.datatype,
        shape: Array.from(t.shape, Number),
        data: t.data,
      }));
      postTensors(
        parentPort,
        { type: 'result', id: message.id, outputs: plain, inferMs: performance.now() - started },
        plain,
      );
    } catch (err) {
      parentPort.postMessage({ type: 'error', id: message.id, error: errorOf(err) });
    }
  });
  parentPort.postMessage({ type: 'ready', warnings: instance.warnings });
}

if (parentPort && workerData?.oodInstance === true) void serve();
