#!/usr/bin/env node
// The fault suite (issue 18): kill -9 `ood prepare`, `enable`, `pull` and a local `push` at seeded random points,
// many times, and after each kill check that the output is either absent or complete and byte-identical to an
// uninterrupted run, and that the local store is consistent (index.json parses, every blob hashes to its name,
// every tag pulls byte-identically). Leftover temporaries are counted, aged past the sweep limit, and a final
// rerun of each command must sweep them all. Loopback only (no network at all), bounded by --kills.
// Figures: tried / clean / lost per command. `node bench/fault-suite.mjs [--kills 25] [--seed 1]` (after
// `npm run build`) prints them and writes bench/out/faults.json; test/faults/kill-nine.test.ts runs it small.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { seededRandom } from '../dist/src/certainty/split.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(root, 'dist', 'src', 'cli', 'main.js');
const run = promisify(execFile);

async function sha256(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest('hex');
}
const exists = (path) =>
  stat(path).then(
    () => true,
    () => false,
  );
const sameBytes = async (a, b) => (await sha256(a)) === (await sha256(b));

/** Run the CLI to completion; returns seconds taken. */
async function ood(args, env) {
  const t = process.hrtime.bigint();
  await run('node', [CLI, ...args], { env, maxBuffer: 16 << 20 });
  return Number(process.hrtime.bigint() - t) / 1e9;
}

/** Start the CLI and SIGKILL it after `ms`; resolves to whether it was still running when killed. */
function oodKilledAfter(args, env, ms) {
  return new Promise((resolve) => {
    const child = spawn('node', [CLI, ...args], { env, stdio: 'ignore' });
    let finished = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      finished = signal !== 'SIGKILL';
      resolve({ killed: !finished, code });
    });
  });
}

/** ood's temporaries (and onnxruntime's telemetry logs) under `dirs`, recursively for the store. */
async function leftovers(dirs) {
  const found = [];
  async function walk(dir) {
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const path = join(dir, e.name);
      if (
        /\.ood-\d+-[0-9a-f]{8}(\.old)?\.tmp$/.test(e.name) ||
        /^ood-(introspect|artifact)-\d+-/.test(e.name) ||
        /^mat-debug-\d+\.log$/.test(e.name)
      )
        found.push(path);
      else if (e.isDirectory()) await walk(path);
    }
  }
  for (const d of dirs) await walk(d);
  return found;
}
async function ageAll(paths) {
  const then = new Date(Date.now() - 10 * 60_000);
  for (const p of paths) await utimes(p, then, then).catch(() => undefined);
}

/** Why the local store is inconsistent, or undefined: index.json, every blob's name, every tag's pull. */
async function storeProblem(home, env, expectedZip, scratch, tags) {
  const registry = join(home, 'registry');
  let index;
  try {
    index = JSON.parse(await readFile(join(registry, 'index.json'), 'utf8'));
  } catch (err) {
    if (err.code === 'ENOENT') return undefined;
    return `index.json does not parse: ${err.message}`;
  }
  const blobs = join(registry, 'blobs', 'sha256');
  for (const name of await readdir(blobs).catch(() => [])) {
    if (name.startsWith('.')) continue;
    if ((await sha256(join(blobs, name))) !== name) return `blob ${name} does not hash to its name`;
  }
  for (const m of index.manifests ?? []) {
    const ref = m.annotations?.['org.opencontainers.image.ref.name'];
    // Every tag must be a complete entry; the tags this trial may have touched must also pull.
    if (typeof ref !== 'string' || !/^sha256:[a-f0-9]{64}$/.test(m.digest ?? ''))
      return `index entry ${JSON.stringify(m)} is malformed`;
    if (!tags.includes(ref)) continue;
    const out = join(scratch, 'check.zip');
    try {
      await ood(['pull', ref, '-o', out, '--force'], env);
    } catch (err) {
      return `tag ${ref} does not pull: ${String(err.stderr ?? err).split('\n')[0]}`;
    }
    if (!(await sameBytes(out, expectedZip))) return `tag ${ref} pulls different bytes`;
  }
  return undefined;
}

/** Run the suite; returns one row of figures per command. */
export async function runFaultSuite({ kills = 25, seed = 1, sizeMb = 48, log = () => {} } = {}) {
  const random = seededRandom(seed); // mulberry32: a failing kill point can be replayed from its seed
  const work = await mkdtemp(join(tmpdir(), 'ood-faults-'));
  const tmp = join(work, 'tmp');
  const home = join(work, 'home');
  await mkdir(tmp);
  const env = { ...process.env, TMPDIR: tmp, OOD_HOME: home, SOURCE_DATE_EPOCH: '1700000000' };
  const { writeBigModel } = await import('./big-model.mjs');
  const bigModel = join(work, 'big.onnx');
  await writeBigModel(bigModel, sizeMb);
  const digits = join(root, 'examples', 'digits');
  const out = (name) => join(work, 'out', name);
  await mkdir(join(work, 'out'));
  const refs = join(work, 'refs');
  await mkdir(refs);
  // Reference outputs from uninterrupted runs; the artifact zip is also what push and pull move.
  const zip = join(refs, 'big.zip');
  const commands = {
    prepare: { args: (o) => ['prepare', bigModel, '-o', o, '--force', '--no-introspect'], output: out('prepared.zip') },
    enable: {
      args: (o) => [
        'enable',
        join(digits, 'model.onnx'),
        '-o',
        o,
        '--data',
        join(digits, 'data', 'calibration.npy'),
        '--force',
      ],
      output: out('enabled.onnx'),
    },
    pull: { args: (o) => ['pull', 'big:1.0', '-o', o, '--force'], output: out('pulled.zip') },
    // Each push goes into a store of its own, so that every kill lands in a real blob copy, not a dedup skip.
    push: { args: (_o, i) => ['push', zip, `big:kill-${i}`], output: undefined, home: (i) => join(work, `push-${i}`) },
  };
  const rows = [];
  const durations = {};
  await ood(commands.prepare.args(zip), env).then((s) => (durations.prepare = s));
  durations.push = await ood(['push', zip, 'big:1.0'], env);
  for (const name of ['enable', 'pull']) {
    const ref = join(refs, name === 'pull' ? 'pull.zip' : 'enable.onnx'); // ood checks the extension
    durations[name] = await ood(commands[name].args(ref), env);
    commands[name].reference = ref;
  }
  commands.prepare.reference = zip;
  commands.pull.reference = zip;
  for (const [name, c] of Object.entries(commands)) {
    const row = {
      command: name,
      tried: 0,
      killedMidRun: 0,
      clean: 0,
      lost: 0,
      leftAfterKill: 0,
      leftAfterSweep: 0,
      problems: [],
    };
    for (let i = 0; i < kills; i++) {
      const ms = Math.round(random() * durations[name] * 1000 * 1.1);
      const trialEnv = c.home ? { ...env, OOD_HOME: c.home(i) } : env;
      const { killed } = await oodKilledAfter(c.args(c.output, i), trialEnv, ms);
      row.tried += 1;
      if (killed) row.killedMidRun += 1;
      let problem;
      if (c.output && (await exists(c.output)) && !(await sameBytes(c.output, c.reference)))
        problem = `after a kill at ${ms} ms, ${c.output} exists but differs from an uninterrupted run`;
      if (!problem && c.home) problem = await storeProblem(c.home(i), trialEnv, zip, work, [`big:kill-${i}`]);
      if (problem) {
        row.lost += 1;
        row.problems.push(problem);
      } else row.clean += 1;
    }
    const stores = c.home ? Array.from({ length: kills }, (_, i) => c.home(i)) : [];
    const left = await leftovers([join(work, 'out'), home, tmp, ...stores]);
    row.leftAfterKill = left.length;
    // Time passes (the leftovers age past the sweep limit), then one more uninterrupted run must sweep them.
    await ageAll(left);
    if (c.home) for (const store of stores) await ood(c.args(undefined, 'final'), { ...env, OOD_HOME: store });
    else await ood(c.args(c.output, 'final'), env);
    row.leftAfterSweep = (await leftovers([join(work, 'out'), home, tmp, ...stores])).filter((p) =>
      left.includes(p),
    ).length;
    log(
      `${name}: tried ${row.tried}, killed mid-run ${row.killedMidRun}, clean ${row.clean}, lost ${row.lost}, leftovers ${row.leftAfterKill} → ${row.leftAfterSweep}`,
    );
    rows.push(row);
  }
  await rm(work, { recursive: true, force: true });
  return { seed, kills, sizeMb, durations, rows };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (n, d) => (process.argv.includes(n) ? Number(process.argv[process.argv.indexOf(n) + 1]) : d);
  const result = await runFaultSuite({
    kills: arg('--kills', 25),
    seed: arg('--seed', 1),
    sizeMb: arg('--size-mb', 48),
    log: console.log,
  });
  await mkdir(join(root, 'bench', 'out'), { recursive: true });
  await writeFile(join(root, 'bench', 'out', 'faults.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    '\n| command | tried | killed mid-run | clean | lost | temporaries left by the kills | left after the next run |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const r of result.rows)
    console.log(
      `| ${r.command} | ${r.tried} | ${r.killedMidRun} | ${r.clean} | ${r.lost} | ${r.leftAfterKill} | ${r.leftAfterSweep} |`,
    );
  if (result.rows.some((r) => r.lost > 0)) process.exitCode = 1;
}
