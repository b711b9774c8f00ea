// CPU time per request of `ood serve`'s own process (HTTP, decoding, validation, encoding) and of each instance
// process (the hand-over and the inference), under wrk, read from /proc/PID/stat (utime + stime). On a machine
// whose cores other work shares, throughput swings 2x from one window to the next, but the CPU a request costs
// each process moves much less: this is the figure to compare two builds by. `--against DIR` runs the same
// points, interleaved, with the `ood` built in DIR (a checkout of another commit after `npm run build`);
// `--variant "OPTIONS"` adds this build with those `ood serve` options (e.g. "--log-level warn").
// Usage: npm run build && node bench/serve-cpu.mjs [--models digits,resnet18] [--concurrency 64] [--seconds 8]
//        [--repeats 3] [--against /path/to/other/checkout] [--variant "OPTIONS"] [-- extra ood serve options]
// Writes bench/out/serve-cpu.json.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { buildArtifact } from '../dist/src/artifact/build-artifact.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const dash = args.indexOf('--');
const extra = dash >= 0 ? args.slice(dash + 1) : [];
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && (dash < 0 || i < dash) ? args[i + 1] : fallback;
};
const models = opt('models', 'digits').split(',');
const levels = opt('concurrency', '64').split(',').map(Number);
const seconds = Number(opt('seconds', 8));
const repeats = Number(opt('repeats', 3));
const variant = opt('variant')?.split(' ').filter(Boolean);
/** Contenders: [the checkout whose dist/ runs, its extra options]; `minimal` is bench/minimal-server.mjs. */
const builds = {
  this: [root, extra],
  ...(opt('against') ? { against: [opt('against'), extra] } : {}),
  ...(variant ? { variant: [root, [...extra, ...variant]] } : {}),
  minimal: ['minimal', []],
  // The same server with one onnxruntime thread: its default pool spins on the other core between runs, which
  // this process's CPU counts; with one thread, the CPU is the request's alone.
  'minimal-1t': ['minimal', ['1', 'shared', 'inference', '1']],
  // And with the per-request observability issue 12 requires (minimal-server.mjs `observed`).
  'observed-1t': ['minimal', ['1', 'shared', 'observed', '1']],
};
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const work = await mkdtemp(join(tmpdir(), 'ood-bench-cpu-'));

/** Seconds of CPU (user + system) a process has used; 0 once it is gone. */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in USER_HZ ticks
  } catch {
    return 0;
  }
}
const childrenOf = (pid) =>
  readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number);
/** A process and all its descendants (with --acceptors: the primary, its acceptors and their instances). */
const treeOf = (pid) => [pid, ...childrenOf(pid).flatMap(treeOf)];
/** Whether a process is a model instance (instance-worker.mjs) rather than the server's HTTP side. */
const isInstance = (pid) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('instance-worker');
  } catch {
    return false;
  }
};

async function modelCase(name) {
  if (name === 'digits') {
    const sample = JSON.parse(await readFile(join(root, 'examples/digits/sample.json'), 'utf8'));
    const t = sample.inputs[0];
    return { name, model: join(root, 'examples/digits/model.onnx'), body: { inputs: [{ ...t, data: t.data }] } };
  }
  const model = join(root, '.cache', 'bench-enable', 'resnet18.onnx');
  if (!existsSync(model)) {
    await mkdir(dirname(model), { recursive: true });
    const r = spawnSync('/usr/bin/python3', [
      join(root, 'test/helpers/export_torchvision.py'),
      'resnet18',
      model,
      '13',
      '224',
      '0',
    ]);
    if (r.status !== 0) throw new Error(`ResNet-18 export failed: ${String(r.stderr).slice(-500)}`);
  }
  // Float32 values written as their shortest doubles, as bench/serve.mjs sends (Python's json.dumps of tolist()).
  let seed = 7;
  const data = Array.from({ length: 3 * 224 * 224 }, () =>
    Math.fround((((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) / 2 ** 24) * 4 - 2),
  );
  return { name, model, body: { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3, 224, 224], data }] } };
}

/**
 * One point: start the server from `build` (or, for `minimal`, bench/minimal-server.mjs, the same-run baseline),
 * warm it up for 2 s, then count CPU over a `seconds` window of wrk.
 */
async function point([build, options], artifact, c, script, connections) {
  const minimal = build === 'minimal';
  const argv = minimal
    ? [join(root, 'bench/minimal-server.mjs'), c.model, ...options]
    : [join(build, 'dist/src/cli/main.js'), 'serve', artifact, '--port', '0', '--json', ...options];
  const child = execa(process.execPath, argv, { reject: false, stderr: 'ignore' });
  const base = await new Promise((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
      if (minimal ? text.includes('"url"') : text.includes('"ready"')) resolve(/"url":"([^"]+)"/.exec(text)[1]);
    });
    void child.then(() => reject(new Error(`the server from ${build} exited before it was ready`)));
  });
  const url = minimal ? base : `${base}/v2/models/${c.name}/infer`;
  const wrk = (s) => execa('wrk', ['-t1', `-c${connections}`, `-d${s}s`, '--timeout', '30s', '-s', script, url]);
  await wrk(2);
  const pids = treeOf(child.pid);
  const instance = pids.map(isInstance);
  const before = pids.map(cpuSeconds);
  const { stdout } = await wrk(seconds);
  const after = pids.map(cpuSeconds);
  child.kill('SIGTERM');
  await child;
  const requests = Number(/(\d+) requests in/.exec(stdout)[1]);
  const ms = (i) => ((after[i] - before[i]) * 1000) / requests;
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)[1]),
    // The HTTP side (the server, or the primary and its acceptors) and the instance processes.
    server_ms: pids.reduce((sum, _, i) => sum + (instance[i] ? 0 : ms(i)), 0),
    instances_ms: pids.reduce((sum, _, i) => sum + (instance[i] ? ms(i) : 0), 0),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0),
  };
}

const results = [];
for (const name of models) {
  const c = await modelCase(name);
  const artifact = join(work, name);
  await buildArtifact({ model: c.model, dir: artifact, name, introspect: false });
  const bodyFile = join(work, `${name}.json`);
  await writeFile(bodyFile, JSON.stringify(c.body));
  const script = join(work, `${name}.lua`);
  await writeFile(
    script,
    `wrk.method = "POST"\nlocal f = io.open(${JSON.stringify(bodyFile)}, "rb")\nwrk.body = f:read("*a")\nf:close()\nwrk.headers["Content-Type"] = "application/json"\n`,
  );
  for (const level of levels) {
    const samples = Object.fromEntries(Object.keys(builds).map((k) => [k, []]));
    // The order turns with each repeat, so that no contender always runs first (or right after the minimal one).
    const order = Object.entries(builds);
    for (let r = 0; r < repeats; r++)
      for (let k = 0; k < order.length; k++) {
        const [key, build] = order[(k + r) % order.length];
        samples[key].push(await point(build, artifact, c, script, level));
      }
    for (const [key, s] of Object.entries(samples)) {
      const row = {
        model: name,
        concurrency: level,
        build: key,
        rps: median(s.map((x) => x.rps)),
        server_cpu_ms_per_request: median(s.map((x) => x.server_ms)),
        instances_cpu_ms_per_request: median(s.map((x) => x.instances_ms)),
        non2xx: s.reduce((n, x) => n + x.non2xx, 0),
        samples: s,
      };
      results.push(row);
      console.log(
        `${name} c=${level} ${key.padEnd(7)} ${row.rps.toFixed(1).padStart(8)} req/s  server ${row.server_cpu_ms_per_request.toFixed(3)} ms CPU/request  instances ${row.instances_cpu_ms_per_request.toFixed(3)} ms  non-2xx ${row.non2xx}`,
      );
    }
  }
}
await rm(work, { recursive: true, force: true });
await mkdir(join(root, 'bench', 'out'), { recursive: true });
await writeFile(
  join(root, 'bench', 'out', 'serve-cpu.json'),
  `${JSON.stringify({ benchmark: 'serve-cpu', seconds, repeats, builds, extra, results }, null, 2)}\n`,
);
