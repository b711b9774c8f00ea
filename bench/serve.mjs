// Serving benchmark (issue 7): `ood serve` under wrk (Debian's C load generator, so the load costs little CPU next
// to the server) at concurrency 1, 8 and 64, through /v2/models/{name}/infer (JSON and binary tensors) and
// /predict, against
//   a) bare onnxruntime-node session.run in a loop, in this process, same batch, same concurrency: the limit;
//   b) bench/minimal-server.mjs, a bare node:http server (JSON.parse, session.run, JSON.stringify): the HTTP floor.
// Two models: the digits example (batch 4, overhead-bound) and torchvision ResNet-18 (batch 1, 224x224,
// compute-bound; exported in this run by test/helpers/export_torchvision.py into .cache/bench-enable/).
// Load: wrk (C, one thread: it costs the shared cores almost nothing; autocannon, in JS, cost ResNet-18 about a
// third of its throughput here). Throughput = responses completed within the window; the bare loop counts runs
// completed within the same window. The bare loop and the minimal server run inferences one at a time on their JS
// thread, so only the one in progress at the end of the window is lost; `ood serve` runs them in its instances, and
// loses the requests in flight then (at most the concurrency: a few against thousands for digits). Contenders are
// interleaved per repeat so that machine noise hits all alike; medians.
// Usage: npm run build && node bench/serve.mjs [--models digits,resnet18] [--seconds 3] [--repeats 3] [--engine]
//        [--concurrency 1,8,64] [--resnet-seconds 5] [--resnet-requests N] [--batched] (adds `--max-batch 64`)
//        [--isolation] (adds `--isolation thread`: the price of process isolation)
//        [--acceptors N] (adds `ood serve --acceptors N`, with thread and inline isolation too, and batched with
//        --batched)
//        [--floor] (adds the minimal server without inference: the HTTP + JSON ceiling)
//        [--observed] (adds the minimal server with the request id, metrics and access log the issue requires)
//        [--only a,b] (keep only contenders whose name contains one of these; the bare loop always runs).
// Writes bench/out/serve.json.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as ort from 'onnxruntime-node';
import autocannon from 'autocannon';
import { execa } from 'execa';
import { buildArtifact } from '../dist/src/artifact/build-artifact.js';
import { startServe } from './serve-process.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const opt = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const seconds = Number(opt('seconds', 3));
const repeats = Number(opt('repeats', 3));
const levels = opt('concurrency', '1,8,64').split(',').map(Number);
const modelNames = opt('models', 'digits,resnet18').split(',');
const withBatched = process.argv.includes('--batched');
// --engine: also `ood serve --instances 1`, and a 2-process cluster of the minimal server (several acceptors).
const withEngine = process.argv.includes('--engine');
// --isolation: also `ood serve --isolation thread`, to price the default process isolation against threads.
const withIsolation = process.argv.includes('--isolation');
// --floor: also the minimal server (1 process, and 2 on a shared socket) answering every request with the outputs of
// its first run: what HTTP and JSON alone cost, the ceiling of any server that does more per request.
const withFloor = process.argv.includes('--floor');
// --observed: also the minimal server plus the per-request request id, metrics and access log that issue 12 requires
// (bench/minimal-server.mjs `observed`): what observing each request costs a server that does nothing else.
const withObserved = process.argv.includes('--observed');
// --acceptors N: also `ood serve --acceptors N` (several HTTP acceptor processes on the one port).
const acceptors = Number(opt('acceptors', 0));
const only = opt('only', '').split(',').filter(Boolean);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const work = await mkdtemp(join(tmpdir(), 'ood-bench-serve-'));

/** Deterministic pseudo-random floats in [-2, 2), rounded to float32 (what a client would send). */
function randomFloats(n, seed) {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) / 2 ** 24) * 4 - 2;
  return out;
}

async function modelCase(name) {
  if (name === 'digits') {
    const sample = JSON.parse(await readFile(join(root, 'examples/digits/sample.json'), 'utf8'));
    const t = sample.inputs[0];
    return {
      name,
      model: join(root, 'examples/digits/model.onnx'),
      input: t.name,
      shape: t.shape,
      data: Float32Array.from(t.data),
    };
  }
  if (name === 'resnet18') {
    const model = join(root, '.cache', 'bench-enable', 'resnet18.onnx');
    if (!existsSync(model)) {
      await mkdir(dirname(model), { recursive: true });
      const r = spawnSync(
        '/usr/bin/python3',
        [join(root, 'test/helpers/export_torchvision.py'), 'resnet18', model, '13', '224', '0'],
        { encoding: 'utf8' },
      );
      if (r.status !== 0) throw new Error(`ResNet-18 export failed: ${r.stderr.slice(-500)}`);
    }
    const shape = [1, 3, 224, 224];
    // Compute-bound: a longer window (--resnet-seconds); fewer contenders to keep the run short. `--resnet-requests N`
    // switches to autocannon with a fixed count of N + concurrency requests (see cannonAmount).
    const n = Number(opt('resnet-requests', 0));
    return {
      name,
      model,
      input: 'input',
      shape,
      data: randomFloats(3 * 224 * 224, 7),
      seconds: Number(opt('resnet-seconds', 5)),
      amount: n ? (c) => c + n : undefined,
      skip: ['ood --max-batch 64 v2 json'],
      oneThread: true,
    };
  }
  throw new Error(`unknown model ${name}`);
}

const p99 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))];

/**
 * Bare onnxruntime: `concurrency` loops of session.run on the same batch. Timed mode (`amount` 0): runs completed
 * within `seconds`, as wrk counts responses. Fixed mode: `amount` runs in all, timed until the last one ends, as
 * cannonAmount does for the server.
 */
async function bare(session, feeds, concurrency, amount, seconds) {
  let n = 0;
  let started = 0;
  const latencies = [];
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  let last = t0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (amount ? started++ < amount : performance.now() < end) {
        const t = performance.now();
        await session.run(feeds);
        last = performance.now();
        if (!amount && last > end) break;
        latencies.push(last - t);
        n++;
      }
    }),
  );
  return { rps: n / ((amount ? last - t0 : seconds * 1000) / 1000), p50: median(latencies), p99: p99(latencies) };
}

/**
 * autocannon with a fixed number of requests, timed until the last response (for the compute-bound model, where a
 * timed window would drop a large share of the requests still in flight at its end).
 */
function cannonAmount(url, body, headers, connections, amount) {
  return new Promise((resolve, reject) => {
    const latencies = [];
    let errors = 0;
    const t0 = performance.now();
    let last = t0;
    const instance = autocannon({ url, method: 'POST', body, headers, connections, amount, timeout: 120 }, (err) => {
      if (err) return reject(err);
      resolve({ rps: latencies.length / ((last - t0) / 1000), p50: median(latencies), p99: p99(latencies), errors });
    });
    instance.on('response', (client, status, bytes, ms) => {
      last = performance.now();
      latencies.push(ms);
      if (status !== 200) errors++;
    });
    instance.on('reqError', () => errors++);
  });
}

/** A wrk Lua script that POSTs `bodyFile` and prints the summary as one JSON line (latencies in µs). */
async function wrkScript(path, bodyFile, headers) {
  const lines = [
    'wrk.method = "POST"',
    `local f = io.open(${JSON.stringify(bodyFile)}, "rb")`,
    'wrk.body = f:read("*a")',
    'f:close()',
    ...Object.entries(headers).map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`),
    'done = function(s, latency, requests)',
    '  local e = s.errors',
    '  io.write(string.format(\'RESULT {"requests":%d,"duration_us":%d,"p50":%d,"p99":%d,"errors":%d,"non2xx":%d}\\n\',',
    '    s.requests, s.duration, latency:percentile(50), latency:percentile(99), e.connect + e.read + e.write + e.timeout, e.status))',
    'end',
  ];
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

const execFileAsync = promisify(execFile);
async function wrk(url, script, connections, seconds) {
  const { stdout } = await execFileAsync(
    'wrk',
    ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '60s', '-s', script, url],
    { maxBuffer: 1 << 20 },
  );
  const r = JSON.parse(/^RESULT (.*)$/m.exec(stdout)[1]);
  return { rps: r.requests / (r.duration_us / 1e6), p50: r.p50 / 1000, p99: r.p99 / 1000, errors: r.errors + r.non2xx };
}

async function startMinimal(model, processes = 1, policy = 'rr', inference = 'inference', threads = 0) {
  const args = [join(root, 'bench/minimal-server.mjs'), model, String(processes), policy, inference, String(threads)];
  // stderr to /dev/null, as startServe does for ood (the `observed` server writes its access log there).
  const child = execa(process.execPath, args, { reject: false, stderr: 'ignore' });
  const base = await new Promise((resolve) => child.stdout.on('data', (d) => resolve(JSON.parse(String(d)).url)));
  return { child, base };
}

async function benchModel(c) {
  const dir = join(work, c.name);
  await buildArtifact({ model: c.model, dir, name: c.name, introspect: false });
  const tensor = { name: c.input, datatype: 'FP32', shape: c.shape };
  const jsonFile = join(work, `${c.name}.json`);
  const binFile = join(work, `${c.name}.bin`);
  const jsonBody = JSON.stringify({ inputs: [{ ...tensor, data: Array.from(c.data) }] });
  await writeFile(jsonFile, jsonBody);
  const header = Buffer.from(
    JSON.stringify({
      inputs: [{ ...tensor, parameters: { binary_data_size: c.data.byteLength } }],
      parameters: { binary_data_output: true },
    }),
  );
  await writeFile(binFile, Buffer.concat([header, Buffer.from(c.data.buffer, c.data.byteOffset, c.data.byteLength)]));
  const jsonHeaders = { 'Content-Type': 'application/json' };
  const binHeaders = {
    'Content-Type': 'application/octet-stream',
    'Inference-Header-Content-Length': String(header.length),
  };
  const binBody = Buffer.concat([header, Buffer.from(c.data.buffer, c.data.byteOffset, c.data.byteLength)]);
  const jsonScript = await wrkScript(join(work, `${c.name}-json.lua`), jsonFile, jsonHeaders);
  const binScript = await wrkScript(join(work, `${c.name}-bin.lua`), binFile, binHeaders);

  // What JSON costs before any inference: parse and stringify of this request body, in this process.
  const parseTimes = [];
  for (let i = 0; i < 15; i++) {
    const t0 = performance.now();
    JSON.parse(jsonBody);
    parseTimes.push(performance.now() - t0);
  }

  const servers = { ood: await startServe(dir, []) };
  if (withBatched) servers.batched = await startServe(dir, ['--max-batch', '64']);
  // onnxruntime's intra-op setting: one thread per core by default; on 2 shared cores one thread can be faster.
  if (c.oneThread) servers.oneThread = await startServe(dir, ['--threads', '1']);
  if (withEngine) servers.single = await startServe(dir, ['--instances', '1', '--log-level', 'warn']);
  if (withIsolation) servers.thread = await startServe(dir, ['--isolation', 'thread']);
  const many = ['--acceptors', String(acceptors)];
  if (acceptors > 1) servers.acceptors = await startServe(dir, many);
  if (acceptors > 1) servers.acceptorsThread = await startServe(dir, [...many, '--isolation', 'thread']);
  if (acceptors > 1 && withBatched) servers.acceptorsBatched = await startServe(dir, [...many, '--max-batch', '64']);
  if (acceptors > 1) servers.inline = await startServe(dir, [...many, '--isolation', 'inline']);
  if (acceptors > 1 && withBatched)
    servers.inlineBatched = await startServe(dir, [...many, '--isolation', 'inline', '--max-batch', '64']);
  servers.minimal = await startMinimal(c.model);
  if (withEngine && !c.amount) servers.minimal2 = await startMinimal(c.model, 2);
  if (withEngine && !c.amount) servers.minimal2shared = await startMinimal(c.model, 2, 'shared');
  if (withFloor && !c.amount) servers.floor = await startMinimal(c.model, 1, 'rr', 'no-inference');
  if (withFloor && !c.amount) servers.floor2 = await startMinimal(c.model, 2, 'shared', 'no-inference');
  if (withObserved && !c.amount) servers.observed = await startMinimal(c.model, 1, 'rr', 'observed');
  // Two such processes on one socket, one onnxruntime thread each (as ood's inline acceptors run): the most any
  // design with the per-request observability could reach on these cores.
  if (withObserved && !c.amount) servers.observed2 = await startMinimal(c.model, 2, 'shared', 'observed', 1);
  // The same two processes without the observability: what it costs them.
  if (withObserved && !c.amount) servers.minimal2one = await startMinimal(c.model, 2, 'shared', 'inference', 1);
  const infer = (s) => `${s.base}/v2/models/${c.name}/infer`;
  // wrk for the overhead-bound model (a timed window; thousands of requests, so the ones cut off at its end do not
  // matter, and wrk's C costs the 2 cores little); autocannon with a fixed count for the compute-bound one.
  const load = (url, kind) => (n) =>
    c.amount
      ? cannonAmount(
          url,
          kind === 'json' ? jsonBody : binBody,
          kind === 'json' ? jsonHeaders : binHeaders,
          n,
          c.amount(n),
        )
      : wrk(url, kind === 'json' ? jsonScript : binScript, n, c.seconds ?? seconds);
  const all = {
    'ood v2 json': load(infer(servers.ood), 'json'),
    'ood v2 binary': load(infer(servers.ood), 'binary'),
    'ood /predict json': load(`${servers.ood.base}/predict`, 'json'),
    ...(withBatched
      ? {
          'ood --max-batch 64 v2 json': load(infer(servers.batched), 'json'),
          'ood --max-batch 64 v2 binary': load(infer(servers.batched), 'binary'),
        }
      : {}),
    ...(c.oneThread ? { 'ood --threads 1 v2 binary': load(infer(servers.oneThread), 'binary') } : {}),
    ...(withEngine
      ? {
          'ood --instances 1 v2 json': load(infer(servers.single), 'json'),
          'ood --instances 1 v2 binary': load(infer(servers.single), 'binary'),
        }
      : {}),
    ...(withIsolation
      ? {
          'ood --isolation thread v2 json': load(infer(servers.thread), 'json'),
          'ood --isolation thread v2 binary': load(infer(servers.thread), 'binary'),
        }
      : {}),
    ...(servers.acceptors
      ? {
          [`ood --acceptors ${acceptors} v2 json`]: load(infer(servers.acceptors), 'json'),
          [`ood --acceptors ${acceptors} v2 binary`]: load(infer(servers.acceptors), 'binary'),
          [`ood --acceptors ${acceptors} --isolation thread v2 json`]: load(infer(servers.acceptorsThread), 'json'),
        }
      : {}),
    ...(servers.acceptorsBatched
      ? { [`ood --acceptors ${acceptors} --max-batch 64 v2 json`]: load(infer(servers.acceptorsBatched), 'json') }
      : {}),
    ...(servers.inline
      ? {
          [`ood --acceptors ${acceptors} --isolation inline v2 json`]: load(infer(servers.inline), 'json'),
          [`ood --acceptors ${acceptors} --isolation inline v2 binary`]: load(infer(servers.inline), 'binary'),
        }
      : {}),
    ...(servers.inlineBatched
      ? {
          [`ood --acceptors ${acceptors} --isolation inline --max-batch 64 v2 json`]: load(
            infer(servers.inlineBatched),
            'json',
          ),
        }
      : {}),
    'minimal node:http json': load(servers.minimal.base, 'json'),
    ...(servers.minimal2 ? { 'minimal node:http x2 cluster json': load(servers.minimal2.base, 'json') } : {}),
    ...(servers.minimal2shared
      ? { 'minimal node:http x2 cluster, shared socket, json': load(servers.minimal2shared.base, 'json') }
      : {}),
    ...(servers.observed
      ? {
          'observed node:http json (minimal + request id, metrics, access log)': load(servers.observed.base, 'json'),
          'observed node:http x2 cluster, shared socket, 1 thread each, json': load(servers.observed2.base, 'json'),
          'minimal node:http x2 cluster, shared socket, 1 thread each, json': load(servers.minimal2one.base, 'json'),
        }
      : {}),
    ...(servers.floor
      ? {
          'floor node:http json, no inference': load(servers.floor.base, 'json'),
          'floor node:http x2 cluster, shared socket, no inference': load(servers.floor2.base, 'json'),
        }
      : {}),
  };
  const wanted = (k) => only.length === 0 || k.startsWith('minimal node:http json') || only.some((o) => k.includes(o));
  const contenders = Object.fromEntries(Object.entries(all).filter(([k]) => !c.skip?.includes(k) && wanted(k)));
  const session = await ort.InferenceSession.create(c.model);
  const feeds = { [c.input]: new ort.Tensor('float32', c.data, c.shape) };
  await session.run(feeds);
  const oneThread = c.oneThread ? await ort.InferenceSession.create(c.model, { intraOpNumThreads: 1 }) : null;
  await oneThread?.run(feeds);
  const points = [];
  for (const level of levels) {
    const samples = {};
    const add = (key, r) => {
      for (const [k, v] of Object.entries(r)) ((samples[key] ??= {})[k] ??= []).push(v);
    };
    for (let r = 0; r < repeats; r++) {
      add('bare session.run', await bare(session, feeds, level, c.amount?.(level) ?? 0, c.seconds ?? seconds));
      if (oneThread)
        add(
          'bare session.run, 1 thread',
          await bare(oneThread, feeds, level, c.amount?.(level) ?? 0, c.seconds ?? seconds),
        );
      for (const [key, run] of Object.entries(contenders)) add(key, await run(level));
      process.stderr.write(`serve ${c.name} c=${level} repeat ${r + 1}/${repeats} done\n`);
    }
    for (const [key, s] of Object.entries(samples)) {
      points.push({
        model: c.name,
        concurrency: level,
        contender: key,
        rps: median(s.rps),
        p50_ms: median(s.p50),
        p99_ms: median(s.p99),
        errors: (s.errors ?? []).reduce((a, b) => a + b, 0),
        samples_rps: s.rps,
      });
    }
  }
  await session.release();
  await oneThread?.release();
  for (const { child } of Object.values(servers)) {
    child.kill('SIGTERM');
    await child;
  }
  return {
    model: c.name,
    load_generator: c.amount
      ? `autocannon, ${c.amount(1) - 1} + concurrency requests per point`
      : `wrk, ${c.seconds ?? seconds} s per point`,
    batch: c.shape[0],
    input_shape: c.shape,
    json_body_bytes: Buffer.byteLength(jsonBody),
    json_parse_ms: median(parseTimes),
    points,
  };
}

const results = [];
for (const name of modelNames) results.push(await benchModel(await modelCase(name)));
await rm(work, { recursive: true, force: true });
const out = {
  benchmark: 'serve',
  load_generator: 'wrk 4.1 (Debian, 1 thread)',
  seconds,
  repeats,
  concurrency: levels,
  onnxruntime_node: ort.env.versions?.node ?? null,
  models: results,
};
await mkdir(join(root, 'bench', 'out'), { recursive: true });
await writeFile(join(root, 'bench', 'out', 'serve.json'), `${JSON.stringify(out, null, 2)}\n`);
for (const m of results) {
  console.log(
    `\n${m.model}: batch ${m.batch}, JSON body ${(m.json_body_bytes / 1024).toFixed(0)} KiB (JSON.parse ${m.json_parse_ms.toFixed(2)} ms), ${m.load_generator}, median of ${repeats}`,
  );
  console.table(
    m.points.map((p) => {
      const at = (name) => m.points.find((q) => q.concurrency === p.concurrency && q.contender === name);
      const bareRps = at('bare session.run').rps;
      const minimal = at('minimal node:http json');
      return {
        c: p.concurrency,
        contender: p.contender,
        'req/s': p.rps.toFixed(1),
        'vs bare': (p.rps / bareRps).toFixed(2),
        'vs minimal': (p.rps / minimal.rps).toFixed(2),
        'p50 vs minimal': (p.p50_ms / minimal.p50_ms).toFixed(2),
        'p50 ms': p.p50_ms.toFixed(2),
        'p99 ms': p.p99_ms.toFixed(2),
        errors: p.errors,
      };
    }),
  );
}
