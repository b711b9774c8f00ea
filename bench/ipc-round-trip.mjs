// What it costs to hand a tensor to a model instance and get one back, without the model: round trips of a
// Float32Array of a given size (digits' batch of 4 is 1 KiB; a ResNet-18 input 588 KiB) through
//   a) a worker thread, the buffer transferred (--isolation thread);
//   b) a child process over Node's IPC channel with the `advanced` V8 serialization;
//   c) a child process over a socket pair with the engine's binary frames (src/serve/engine/tensor-frames.mjs,
//      what --isolation process uses).
// Reports the wall time of a round trip and the time the server's side keeps its event loop busy for it
// (performance.eventLoopUtilization: the thread the HTTP server shares with it), medians over repeats, interleaved.
// Usage: node bench/ipc-round-trip.mjs [--sizes 1024,602112] [--rounds 3000] [--repeats 5].
import { fork } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { readFrames, writeFrame } from '../src/serve/engine/tensor-frames.mjs';

const FRAME_FD = 4;
const self = fileURLToPath(import.meta.url);
const opt = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};

// The echoing side: a worker thread, or a child process on IPC or frames.
const role = process.env.OOD_IPC_BENCH_ROLE;
if (role === 'thread') {
  const { parentPort } = await import('node:worker_threads');
  parentPort.on('message', (m) => parentPort.postMessage(m, [m.inputs[0].data.buffer]));
} else if (role === 'ipc') {
  process.on('message', (m) => process.send(m));
} else if (role === 'frames') {
  const frames = new Socket({ fd: FRAME_FD, readable: true, writable: true });
  readFrames(frames, (m) => writeFrame(frames, m, 'inputs'));
  process.on('disconnect', () => process.exit(0));
} else await main();

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

async function roundTrips(send, onReply, bytes, rounds) {
  let next;
  onReply((m) => next(m));
  const message = () => ({
    type: 'run',
    id: 1,
    inputs: [{ name: 'x', datatype: 'FP32', shape: [bytes / 4], data: new Float32Array(bytes / 4) }],
  });
  const once = () => new Promise((resolve) => ((next = resolve), send(message())));
  for (let i = 0; i < 100; i++) await once();
  const t0 = performance.now();
  const busy0 = performance.eventLoopUtilization();
  for (let i = 0; i < rounds; i++) await once();
  const busy = performance.eventLoopUtilization(busy0);
  return { wall: ((performance.now() - t0) / rounds) * 1000, cpu: (busy.active / rounds) * 1000 };
}

async function main() {
  const sizes = opt('sizes', '1024,602112').split(',').map(Number);
  const rounds = Number(opt('rounds', 3000));
  const repeats = Number(opt('repeats', 5));
  const env = (r) => ({ ...process.env, OOD_IPC_BENCH_ROLE: r });
  const worker = new Worker(self, { env: env('thread') });
  const ipc = fork(self, [], { serialization: 'advanced', env: env('ipc') });
  const framed = fork(self, [], {
    serialization: 'advanced',
    env: env('frames'),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc', 'pipe'],
  });
  const frames = framed.stdio[FRAME_FD];
  const transports = {
    'worker thread, transferred': [
      (m) => worker.postMessage(m, [m.inputs[0].data.buffer]),
      (f) => worker.on('message', f),
    ],
    'child process, IPC advanced': [(m) => ipc.send(m), (f) => ipc.on('message', f)],
    'child process, binary frames': [(m) => writeFrame(frames, m, 'inputs'), (f) => readFrames(frames, f)],
  };
  const listeners = {};
  for (const [name, [, on]] of Object.entries(transports)) on((m) => listeners[name](m));
  const rows = [];
  for (const bytes of sizes) {
    const samples = Object.fromEntries(Object.keys(transports).map((k) => [k, { wall: [], cpu: [] }]));
    const n = bytes > 100_000 ? Math.max(100, rounds / 20) : rounds;
    for (let r = 0; r < repeats; r++)
      for (const [name, [send]] of Object.entries(transports)) {
        const { wall, cpu } = await roundTrips(send, (f) => (listeners[name] = f), bytes, n);
        samples[name].wall.push(wall);
        samples[name].cpu.push(cpu);
      }
    const thread = samples['worker thread, transferred'];
    for (const [name, { wall, cpu }] of Object.entries(samples))
      rows.push({
        bytes,
        transport: name,
        'round trip µs': median(wall).toFixed(1),
        'vs thread': (median(wall) / median(thread.wall)).toFixed(2),
        'server thread busy µs': median(cpu).toFixed(1),
        'busy vs thread': (median(cpu) / median(thread.cpu)).toFixed(2),
      });
  }
  console.table(rows);
  await worker.terminate();
  ipc.kill();
  framed.kill();
}
