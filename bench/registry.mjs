#!/usr/bin/env node
// Push/pull throughput of a 315 MB artifact (made by ood prepare) against Debian's docker-registry on loopback, with curl moving the
// same file to and from the same registry (one monolithic blob upload: POST + PUT -T; one GET) as the baseline.
// Medians over RUNS runs; ratios are ood MB/s ÷ curl MB/s. Writes bench/out/registry.json. Not part of npm test.
// Usage: npm run build && node bench/registry.mjs [--size-mb 300] [--runs 3] [--compare OTHER/dist/src/index.js]
// --compare times another build of ood (e.g. a checkout of main) in the same runs, for before/after ratios.
// CPU seconds are counted too (ood in-process with its threads, curl as a child, docker-registry from /proc), with a
// bare node:http GET that discards the body and the single-core sha256 rate: what bounds pull on 2 cores.
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import http from 'node:http';
import { mkdir, mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pullArtifact, pushArtifact } from '../dist/src/index.js';
import { writeBigModel } from './big-model.mjs';

const CLI = new URL('../dist/src/cli/main.js', import.meta.url).pathname;

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SIZE_MB = arg('--size-mb', 300);
const compareAt = process.argv.indexOf('--compare');
const other =
  compareAt > 0 ? await import(new URL(process.argv[compareAt + 1], `file://${process.cwd()}/`).href) : null;
const RUNS = arg('--runs', 3);
const MB = 1024 * 1024;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startRegistry(dir) {
  const host = `127.0.0.1:${await freePort()}`;
  const config = `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'storage')}\nhttp:\n  addr: ${host}\n  secret: bench\n`;
  await writeFile(join(dir, 'config.yml'), config);
  const child = spawn('/usr/bin/docker-registry', ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://${host}/v2/`)).ok) return { host, child };
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error('docker-registry did not start');
}

/** A real `ood prepare` artifact around a model with SIZE_MB of float weights (stored, as prepare stores them). */
async function makeArtifact(dir) {
  const model = join(dir, 'model.onnx');
  await writeBigModel(model, SIZE_MB);
  const zip = join(dir, 'artifact.zip');
  execFileSync('node', [CLI, 'prepare', model, '-o', zip, '--no-introspect'], {
    env: { ...process.env, SOURCE_DATE_EPOCH: '1767225600' },
    stdio: 'ignore',
  });
  await rm(model);
  return zip;
}

async function sha256File(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return `sha256:${hash.digest('hex')}`;
}

// CPU seconds from /proc/PID/stat: utime+stime (fields 14-15) and, of waited-for children, cutime+cstime (16-17).
const TICK = 1 / 100;
function procCpu(pid, children = false) {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return children ? (Number(f[13]) + Number(f[14])) * TICK : (Number(f[11]) + Number(f[12])) * TICK;
}
const ownCpu = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

/** Wall seconds of `fn`, and the CPU seconds it spent: in this process (ood), in children (curl), in the registry. */
let registryPid;
const cpuSamples = {};
const time = async (fn, name) => {
  const before = [ownCpu(), procCpu('self', true), procCpu(registryPid)];
  const t = process.hrtime.bigint();
  await fn();
  const wall = Number(process.hrtime.bigint() - t) / 1e9;
  const after = [ownCpu(), procCpu('self', true), procCpu(registryPid)];
  if (name) {
    const mover = name.startsWith('curl') ? after[1] - before[1] : after[0] - before[0];
    (cpuSamples[name] ??= { mover: [], registry: [] }).mover.push(mover);
    cpuSamples[name].registry.push(after[2] - before[2]);
  }
  return wall;
};

/** GET a blob with node:http and throw the body away: Node's receive path alone, no hash, no disk. */
function nodeReceive(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        res.on('data', () => {});
        res.on('end', resolve);
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** sha256 MB/s on one core over an in-memory buffer (what verification costs per byte here). */
function sha256Rate() {
  const bytes = Buffer.alloc(64 * MB, 7);
  const t = process.hrtime.bigint();
  for (let i = 0; i < 5; i++) createHash('sha256').update(bytes).digest();
  return (5 * 64) / (Number(process.hrtime.bigint() - t) / 1e9);
}

function curl(args) {
  return execFileSync('curl', ['-sS', '--fail', ...args], { encoding: 'utf8', maxBuffer: 1 << 20 });
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'ood-bench-registry-'));
  const { host, child } = await startRegistry(dir);
  registryPid = child.pid;
  try {
    const zip = await makeArtifact(dir);
    const size = (await stat(zip)).size;
    const digest = await sha256File(zip);
    const results = {
      oodPush: [],
      curlPush: [],
      oodPull: [],
      curlPull: [],
      oodPullThread: [],
      oodPullInline: [],
      nodeReceive: [],
      fsyncAfterCurl: [],
    };
    if (other) Object.assign(results, { comparePush: [], comparePull: [] });
    for (let run = 0; run < RUNS; run++) {
      // Fresh repositories each run, so that every run really uploads.
      results.oodPush.push(await time(() => pushArtifact(zip, `${host}/bench/ood-${run}:1.0`), 'oodPush'));
      if (other)
        results.comparePush.push(
          await time(() => other.pushArtifact(zip, `${host}/bench/other-${run}:1.0`), 'comparePush'),
        );
      results.curlPush.push(
        await time(async () => {
          const headers = curl([
            '-X',
            'POST',
            '-D',
            '-',
            '-o',
            '/dev/null',
            `http://${host}/v2/bench/curl-${run}/blobs/uploads/`,
          ]);
          const location = /^location:\s*(\S+)/im.exec(headers)[1];
          const url = new URL(location, `http://${host}`);
          url.searchParams.set('digest', digest);
          curl(['-X', 'PUT', '-H', 'Content-Type: application/octet-stream', '-T', zip, '-o', '/dev/null', url.href]);
        }, 'curlPush'),
      );
      const out = join(dir, `pulled-${run}.zip`);
      results.oodPull.push(await time(() => pullArtifact(`${host}/bench/ood-${run}:1.0`, out), 'oodPull'));
      await rm(out);
      // Each placement forced (by default pull picks by the load average), to show both in the same run.
      for (const hashing of ['thread', 'inline']) {
        const key = hashing === 'thread' ? 'oodPullThread' : 'oodPullInline';
        results[key].push(await time(() => pullArtifact(`${host}/bench/ood-${run}:1.0`, out, { hashing }), key));
        await rm(out);
      }
      if (other) {
        results.comparePull.push(
          await time(() => other.pullArtifact(`${host}/bench/other-${run}:1.0`, out), 'comparePull'),
        );
        await rm(out);
      }
      results.curlPull.push(
        await time(async () => curl(['-o', out, `http://${host}/v2/bench/curl-${run}/blobs/${digest}`]), 'curlPull'),
      );
      // What ood's durability costs on top of curl: an fsync of the 315 MB curl just wrote (not in curl's time).
      results.fsyncAfterCurl.push(
        await time(async () => {
          const handle = await open(out, 'r+');
          await handle.sync();
          await handle.close();
        }),
      );
      await rm(out);
      results.nodeReceive.push(
        await time(() => nodeReceive(`http://${host}/v2/bench/curl-${run}/blobs/${digest}`), 'nodeReceive'),
      );
      console.error(`run ${run + 1}/${RUNS} done`);
    }
    const mbps = (seconds) => size / MB / seconds;
    const sha256MBps = sha256Rate();
    const medianCpuSeconds = Object.fromEntries(
      Object.entries(cpuSamples).map(([k, v]) => [k, { mover: median(v.mover), registry: median(v.registry) }]),
    );
    const summary = {
      artifactBytes: size,
      runs: RUNS,
      registry: 'docker-registry (distribution 2.8.2, Debian) on 127.0.0.1, filesystem storage',
      medianSeconds: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)])),
      medianMBps: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, mbps(median(v))])),
      medianCpuSeconds,
      sha256MBpsOneCore: sha256MBps,
      ratios: {
        pushOodOverCurl: median(results.curlPush) / median(results.oodPush),
        pullOodOverCurl: median(results.curlPull) / median(results.oodPull),
        pullThreadOverCurl: median(results.curlPull) / median(results.oodPullThread),
        pullInlineOverCurl: median(results.curlPull) / median(results.oodPullInline),
        ...(other
          ? {
              pushCompareOverCurl: median(results.curlPush) / median(results.comparePush),
              pullCompareOverCurl: median(results.curlPull) / median(results.comparePull),
            }
          : {}),
      },
      notes:
        'CPU seconds: ood counts this process (its hashing thread and libuv pool included), curl its child process, registry the docker-registry process; nodeReceive is a bare node:http GET discarding the body. ood push runs the admission gate, HEADs every blob and hashes the model (sha256, CRC-32) while uploading it in one PUT; curl gets the digest precomputed. ood pull verifies every digest while writing and fsyncs before the rename; curl does neither.',
      samplesSeconds: results,
    };
    await mkdir(new URL('./out/', import.meta.url), { recursive: true });
    await writeFile(new URL('./out/registry.json', import.meta.url), `${JSON.stringify(summary, null, 2)}\n`);
    const f = (x) => x.toFixed(1);
    const f2 = (x) => x.toFixed(2);
    console.log(`artifact ${f(size / MB)} MB, ${RUNS} runs, medians:`);
    console.log(
      `  push  ood ${f(summary.medianMBps.oodPush)} MB/s   curl ${f(summary.medianMBps.curlPush)} MB/s   ratio ${summary.ratios.pushOodOverCurl.toFixed(2)}`,
    );
    console.log(
      `  pull  ood ${f(summary.medianMBps.oodPull)} MB/s   curl ${f(summary.medianMBps.curlPull)} MB/s   ratio ${summary.ratios.pullOodOverCurl.toFixed(2)}`,
    );
    const c = (k) => medianCpuSeconds[k];
    const { pullThreadOverCurl, pullInlineOverCurl } = summary.ratios;
    console.log(
      `  pull forced: thread ${f(summary.medianMBps.oodPullThread)} MB/s (ratio ${f2(pullThreadOverCurl)}, CPU ${f2(c('oodPullThread').mover)} s), inline ${f(summary.medianMBps.oodPullInline)} MB/s (ratio ${f2(pullInlineOverCurl)}, CPU ${f2(c('oodPullInline').mover)} s); fsync of curl's output ${f2(summary.medianSeconds.fsyncAfterCurl)} s`,
    );
    console.log(
      `  CPU s (mover + registry): pull ood ${f2(c('oodPull').mover)} + ${f2(c('oodPull').registry)}, curl ${f2(c('curlPull').mover)} + ${f2(c('curlPull').registry)}; push ood ${f2(c('oodPush').mover)} + ${f2(c('oodPush').registry)}, curl ${f2(c('curlPush').mover)} + ${f2(c('curlPush').registry)}`,
    );
    console.log(
      `  node:http GET discarding the body: ${f(summary.medianMBps.nodeReceive)} MB/s (CPU ${f2(c('nodeReceive').mover)} s); sha256 on one core ${f(sha256MBps)} MB/s`,
    );
    if (other) {
      const { pushCompareOverCurl: push, pullCompareOverCurl: pull } = summary.ratios;
      console.log(`  --compare build: push ratio ${push.toFixed(2)}, pull ratio ${pull.toFixed(2)}`);
    }
    console.log(
      `  load average ${(await import('node:os'))
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
  } finally {
    child.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
