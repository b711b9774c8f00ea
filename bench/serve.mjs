// Quick serving benchmark: `ood serve` (in-process server, loopback) under autocannon at concurrency 1, 8 and 64,
// against a bare session.run loop on the same model and batch, measured in the same run. Prints ratios.
// The minimal node:http server (bench/minimal-server.mjs) is the floor of HTTP overhead for JSON.
// Usage: npm run build && node bench/serve.mjs [model.onnx] [sample.json] [seconds] [repeats]
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import * as ort from 'onnxruntime-node';
import { buildArtifact } from '../dist/src/artifact/build-artifact.js';
import { execa } from 'execa';

const model = process.argv[2] ?? 'examples/digits/model.onnx';
const samplePath = process.argv[3] ?? 'examples/digits/sample.json';
const seconds = Number(process.argv[4] ?? 5);
const sample = JSON.parse(await readFile(samplePath, 'utf8'));

/** Bare onnxruntime: `concurrency` loops of session.run on the sample batch for `seconds`. */
async function bare(concurrency) {
  const session = await ort.InferenceSession.create(model);
  const feeds = Object.fromEntries(sample.inputs.map((t) => [t.name, new ort.Tensor('float32', Float32Array.from(t.data), t.shape)]));
  let n = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) {
      await session.run(feeds);
      n++;
    }
  }));
  await session.release();
  return n / seconds;
}

function cannon(url, body, headers, connections) {
  return new Promise((resolve, reject) => {
    autocannon({ url, method: 'POST', body, headers, connections, duration: seconds }, (err, r) => (err ? reject(err) : resolve(r)));
  });
}

const dir = join(await mkdtemp(join(tmpdir(), 'ood-bench-')), 'artifact');
await buildArtifact({ model, dir, name: 'bench', introspect: false });
// The server runs in its own process, as in production, so the load generator does not share its event loop.
async function startServe(extra) {
  const child = execa(process.execPath, ['dist/src/cli/main.js', 'serve', dir, '--port', '0', '--json', ...extra], { reject: false });
  const base = await new Promise((resolve) => {
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
      const events = text.split('\n').map((l) => { try { return JSON.parse(l); } catch { return {}; } });
      const listening = events.find((e) => e.event === 'listening');
      if (listening && events.some((e) => e.event === 'ready')) resolve(listening.url);
    });
  });
  return { child, url: `${base}/v2/models/bench/infer` };
}
const CONFIGS = { plain: [], batched: ['--max-batch', '64'] };
const json = JSON.stringify(sample);
const raw = Buffer.concat(sample.inputs.map((t) => Buffer.from(Float32Array.from(t.data).buffer)));
const header = Buffer.from(JSON.stringify({ inputs: sample.inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape, parameters: { binary_data_size: t.data.length * 4 } })), parameters: { binary_data_output: true } }));

const repeats = Number(process.argv[5] ?? 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const servers = {};
for (const [config, extra] of Object.entries(CONFIGS)) servers[config] = await startServe(extra);
servers.minimal = await (async () => {
  const child = execa(process.execPath, ['bench/minimal-server.mjs', model], { reject: false });
  const url = await new Promise((resolve) => child.stdout.on('data', (d) => resolve(JSON.parse(String(d)).url)));
  return { child, url, jsonOnly: true };
})();
const rows = [];
for (const c of [1, 8, 64]) {
  // Interleave the contenders and repeat, so that machine noise hits all of them alike; report medians.
  const samples = {};
  const push = (key, value) => (samples[key] ??= []).push(value);
  for (let r = 0; r < repeats; r++) {
    push('bare', await bare(c));
    for (const [config, { url, jsonOnly }] of Object.entries(servers)) {
      const j = await cannon(url, json, { 'content-type': 'application/json' }, c);
      const b = jsonOnly ? null : await cannon(url, Buffer.concat([header, raw]), { 'inference-header-content-length': String(header.length) }, c);
      for (const [kind, res] of [['json', j], ['binary', b]]) {
        if (!res) continue;
        push(`${config} ${kind}`, res.requests.average);
        push(`${config} ${kind} p50`, res.latency.p50);
        push(`${config} ${kind} p99`, res.latency.p99);
        push(`${config} ${kind} errors`, res.errors + res.non2xx);
      }
    }
  }
  const limit = median(samples.bare);
  for (const config of Object.keys(servers)) {
    for (const kind of ['json', 'binary']) {
      const key = `${config} ${kind}`;
      if (!samples[key]) continue;
      rows.push({ concurrency: c, server: config, body: kind, 'req/s': Math.round(median(samples[key])), 'bare run/s': Math.round(limit), ratio: (median(samples[key]) / limit).toFixed(2), 'p50 ms': median(samples[`${key} p50`]), 'p99 ms': median(samples[`${key} p99`]), errors: samples[`${key} errors`].reduce((a, b) => a + b, 0) });
    }
  }
}
for (const { child } of Object.values(servers)) {
  child.kill('SIGTERM');
  await child;
}
console.log(`model ${model}, batch ${sample.inputs[0].shape[0]}, ${seconds}s per point, median of ${repeats}`);
console.table(rows);
