// Soak of the serving engine (issue 12): `ood serve` on the digits artifact for --minutes (default 10) under a
// steady mix of good and bad requests (good V2 JSON, good binary, malformed JSON, wrong shapes, unknown routes,
// empty batches, oversized V2 timeouts), sampling the server's RSS (from /proc/<pid>/status, summed over the
// server and its instance processes, each process's share kept in `by_process`) every 15 s. Reports RSS at the end of minute 1 and its growth after it.
// Usage: npm run build && node bench/serve-soak.mjs [--minutes 10] [--rate 100] [--acceptors N]
//        [-- extra ood serve options, e.g. --isolation inline --log-level info]
// The server logs at `--log-level error` unless the extra options say otherwise; its stderr goes to /dev/null.
//        → bench/out/serve-soak.json
import { readFile, mkdir, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildArtifact } from '../dist/src/artifact/build-artifact.js';
import { rssByProcess, startServe } from './serve-process.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dash = process.argv.indexOf('--');
const extra = dash > 0 ? process.argv.slice(dash + 1) : [];
const opt = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && (dash < 0 || i < dash) ? Number(process.argv[i + 1]) : fallback;
};
const minutes = opt('minutes', 10);
const rate = opt('rate', 100);
const work = await mkdtemp(join(tmpdir(), 'ood-bench-soak-'));
const zip = join(work, 'digits.zip');
await buildArtifact({
  model: join(root, 'examples/digits/model.onnx'),
  output: zip,
  name: 'digits',
  sample: join(root, 'examples/digits/sample.json'),
  introspect: false,
});
const acceptors = opt('acceptors', 1);
const level = extra.includes('--log-level') ? [] : ['--log-level', 'error'];
const { child, base: url } = await startServe(zip, [...level, '--acceptors', String(acceptors), ...extra]);
const sample = JSON.parse(await readFile(join(root, 'examples/digits/sample.json'), 'utf8'));
const image = sample.inputs[0];
const data = Float32Array.from(image.data);
const header = Buffer.from(
  JSON.stringify({ inputs: [{ ...image, data: undefined, parameters: { binary_data_size: data.byteLength } }] }),
);
const infer = `${url}/v2/models/digits/infer`;
const kinds = [
  () => fetch(infer, { method: 'POST', body: JSON.stringify(sample) }),
  () =>
    fetch(infer, {
      method: 'POST',
      body: Buffer.concat([header, Buffer.from(data.buffer)]),
      headers: { 'inference-header-content-length': String(header.length) },
    }),
  () => fetch(infer, { method: 'POST', body: '{"inputs": [' }),
  () => fetch(infer, { method: 'POST', body: JSON.stringify({ inputs: [{ ...image, shape: [4, 64] }] }) }),
  () => fetch(`${url}/v9/nothing`),
  () =>
    fetch(infer, { method: 'POST', body: JSON.stringify({ inputs: [{ ...image, shape: [0, 1, 8, 8], data: [] }] }) }),
  () => fetch(infer, { method: 'POST', body: JSON.stringify({ ...sample, parameters: { timeout: 1 } }) }),
  () => fetch(`${url}/metrics`),
];
/** The total, and the server's and each instance process's share (`by_process`: server first). */
const measure = async () => {
  const rows = await rssByProcess(child.pid);
  return {
    s: Math.round((Date.now() - t0) / 1000),
    rss_mb: rows.reduce((sum, r) => sum + r.mb, 0),
    by_process: rows.map((r) => Math.round(r.mb)),
  };
};
const samples = [];
const byStatus = {};
const t0 = Date.now();
let sent = 0;
const sampler = setInterval(async () => samples.push(await measure()), 15_000);
while (Date.now() - t0 < minutes * 60_000) {
  const batch = Array.from({ length: rate / 10 }, () =>
    kinds[sent++ % kinds.length]().then(
      async (r) => {
        await r.arrayBuffer();
        byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
      },
      () => (byStatus.error = (byStatus.error ?? 0) + 1),
    ),
  );
  await Promise.all([...batch, new Promise((r) => setTimeout(r, 100))]);
}
clearInterval(sampler);
samples.push(await measure());
child.kill('SIGTERM');
const { exitCode } = await child;
await rm(work, { recursive: true, force: true });
const afterMinute1 = samples.filter((s) => s.s >= 60);
const first = afterMinute1[0]?.rss_mb;
const peak = Math.max(...afterMinute1.map((s) => s.rss_mb));
const last = samples.at(-1).rss_mb;
const out = {
  benchmark: 'serve-soak',
  minutes,
  acceptors,
  extra_options: extra,
  rate_per_s: rate,
  requests: sent,
  by_status: byStatus,
  exit_code: exitCode,
  rss_mb_at_1min: first,
  rss_mb_peak_after_1min: peak,
  rss_mb_end: last,
  growth_after_1min_mb: last - first,
  samples,
};
await mkdir(join(root, 'bench', 'out'), { recursive: true });
await writeFile(join(root, 'bench', 'out', 'serve-soak.json'), `${JSON.stringify(out, null, 2)}\n`);
console.log(JSON.stringify({ ...out, samples: undefined }));
