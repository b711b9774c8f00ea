// The floor of HTTP overhead for bench/serve.mjs: a bare node:http server that parses the same V2 JSON, calls the
// same onnxruntime session and writes the outputs back, with no validation, routing or stats.
// Usage: node bench/minimal-server.mjs model.onnx [processes] [rr|shared] [no-inference|inference] [threads]
//        (prints {"url": ...} once listening)
// `threads`: onnxruntime's intra-op threads (default: onnxruntime's own, a pool as wide as the cores, whose threads
// spin between runs); 1 prices the per-request CPU of the server alone (bench/serve-cpu.mjs's `minimal-1t`).
// `no-inference`: the first request runs the session and every later one is answered with its outputs, still
// parsing the body and stringifying the outputs: the HTTP + JSON floor that no server doing more can beat, batched
// or not (bench/serve.mjs --floor).
// With processes > 1 it is a node:cluster of that many such servers on one port (several acceptors): the
// measure of what more than one HTTP thread could gain on this machine. `rr` (Node's default on Linux): the
// primary accepts every connection and hands it to a worker over IPC; `shared`: every worker accepts on the one
// listening socket itself (cluster.SCHED_NONE, the kernel picks), the nearest to SO_REUSEPORT that Node 20 has.
import cluster from 'node:cluster';
import { createServer } from 'node:http';
import * as ort from 'onnxruntime-node';

const processes = Number(process.argv[3] ?? 1);
if (process.argv[4] === 'shared') cluster.schedulingPolicy = cluster.SCHED_NONE;
const noInference = process.argv[5] === 'no-inference';
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
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString());
        const feeds = Object.fromEntries(
          body.inputs.map((t) => [
            t.name,
            new ort.Tensor('float32', Float32Array.from(t.data.flat(Infinity)), t.shape),
          ]),
        );
        const out = noInference ? (cached ??= await session.run(feeds)) : await session.run(feeds);
        const outputs = Object.entries(out).map(([name, t]) => ({
          name,
          datatype: 'FP32',
          shape: t.dims,
          data: Array.from(t.data),
        }));
        const text = JSON.stringify({ outputs });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
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
