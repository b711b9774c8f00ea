// The floor of HTTP overhead for bench/serve.mjs: a bare node:http server that parses the same V2 JSON, calls the
// same onnxruntime session and writes the outputs back, with no validation, routing or stats.
// Usage: node bench/minimal-server.mjs model.onnx [processes] [rr|shared] [inference|no-inference|observed] [threads]
//        (prints {"url": ...} once listening)
// `threads`: onnxruntime's intra-op threads (default: onnxruntime's own, a pool as wide as the cores, whose threads
// spin between runs); 1 prices the per-request CPU of the server alone (bench/serve-cpu.mjs's `minimal-1t`).
// `no-inference`: the first request runs the session and every later one is answered with its outputs, still
// parsing the body and stringifying the outputs: the HTTP + JSON floor that no server doing more can beat, batched
// or not (bench/serve.mjs --floor).
// `observed`: the minimal server plus what issue 12 requires of every request and nothing else: a request id
// (crypto.randomUUID, in an x-request-id header), the /metrics updates (prom-client: requests by route and status,
// latency, the four phases, batch size) and an access-log line on stderr (ood's own logger, the fields ood logs):
// the floor of a server that observes its requests as ood must (bench/serve.mjs --observed).
// With processes > 1 it is a node:cluster of that many such servers on one port (several acceptors): the
// measure of what more than one HTTP thread could gain on this machine. `rr` (Node's default on Linux): the
// primary accepts every connection and hands it to a worker over IPC; `shared`: every worker accepts on the one
// listening socket itself (cluster.SCHED_NONE, the kernel picks), the nearest to SO_REUSEPORT that Node 20 has.
import cluster from 'node:cluster';
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import * as ort from 'onnxruntime-node';

const processes = Number(process.argv[3] ?? 1);
if (process.argv[4] === 'shared') cluster.schedulingPolicy = cluster.SCHED_NONE;
const noInference = process.argv[5] === 'no-inference';
const observe = process.argv[5] === 'observed' ? await observer() : undefined;

/** Per-request observability as issue 12 asks for it (see `observed` above); prom-client and ood's logger. */
async function observer() {
  const { Counter, Histogram, Registry } = await import('prom-client');
  const { createLogger } = await import('../dist/src/serve/logger.js');
  const registers = [new Registry()];
  const seconds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
  const requests = new Counter({ name: 'requests', help: '-', labelNames: ['route', 'status'], registers });
  const latency = new Histogram({ name: 'latency', help: '-', labelNames: ['route'], buckets: seconds, registers });
  const phase = new Histogram({ name: 'phase', help: '-', labelNames: ['phase'], buckets: seconds, registers });
  const batch = new Histogram({ name: 'batch', help: '-', buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256], registers });
  const log = createLogger({ format: 'text' });
  const route = '/v2/models/{name}/infer';
  return (req, t, rows, bytesIn, bytesOut, id) => {
    const total = performance.now() - t[0];
    requests.inc({ route, status: '200' });
    latency.observe({ route }, total / 1000);
    phase.observe({ phase: 'decode' }, (t[1] - t[0]) / 1000);
    phase.observe({ phase: 'queue' }, 0);
    phase.observe({ phase: 'inference' }, (t[2] - t[1]) / 1000);
    phase.observe({ phase: 'encode' }, (t[3] - t[2]) / 1000);
    batch.observe(rows);
    log('info', 'request', {
      request_id: id,
      method: req.method,
      route,
      path: req.url,
      model: 'model',
      status: 200,
      bytes_in: bytesIn,
      bytes_out: bytesOut,
      decode_ms: t[1] - t[0],
      queue_ms: 0,
      inference_ms: t[2] - t[1],
      encode_ms: t[3] - t[2],
      batch_size: rows,
      total_ms: total,
    });
  };
}
const threads = Number(process.argv[6] ?? 0);
if (processes > 1 && cluster.isPrimary) {
  const probe = createServer();
  await new Promise((r) => probe.listen(0, '127.0.0.1', r));
  const port = probe.address().port;
  await new Promise((r) => probe.close(r));
  let up = 0;
  for (let i = 0; i < processes; i++) {
    cluster.fork({ MINIMAL_PORT: String(port) }).on('listening', () => {
      if (++up === processes) process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
    });
  }
  process.once('SIGTERM', () => {
    for (const w of Object.values(cluster.workers)) w.kill('SIGTERM');
    process.exit(0);
  });
} else {
  const session = await ort.InferenceSession.create(process.argv[2], threads ? { intraOpNumThreads: threads } : {});
  let cached;
  const server = createServer((req, res) => {
    const t = observe ? [performance.now()] : undefined;
    const id = observe ? randomUUID() : undefined;
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      try {
        const raw = Buffer.concat(chunks);
        const body = JSON.parse(raw.toString());
        const feeds = Object.fromEntries(
          body.inputs.map((t) => [
            t.name,
            new ort.Tensor('float32', Float32Array.from(t.data.flat(Infinity)), t.shape),
          ]),
        );
        t?.push(performance.now());
        const out = noInference ? (cached ??= await session.run(feeds)) : await session.run(feeds);
        t?.push(performance.now());
        const outputs = Object.entries(out).map(([name, t]) => ({
          name,
          datatype: 'FP32',
          shape: t.dims,
          data: Array.from(t.data),
        }));
        const text = JSON.stringify({ outputs });
        const length = Buffer.byteLength(text);
        t?.push(performance.now());
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': length,
          ...(id ? { 'x-request-id': id } : {}),
        });
        res.end(text);
        observe?.(req, t, body.inputs[0]?.shape?.[0] ?? 1, raw.length, length, id);
      } catch (err) {
        res.writeHead(400);
        res.end(String(err));
      }
    });
  });
  server.listen(Number(process.env.MINIMAL_PORT ?? 0), '127.0.0.1', () => {
    if (cluster.isPrimary)
      process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` })}\n`);
  });
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}
