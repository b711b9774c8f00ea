// onnxruntime's CPU arena on and off (ood serve runs its sessions with it off; docs/serve.md, "Memory"): the
// process's RSS after one 64 MiB batch through the digits model, and the median latency of small runs, for
// digits [1,1,8,8] and, when bench/serve.mjs has exported it, ResNet-18 [1,3,224,224]. Each setting runs in its
// own process (the arena is per session, RSS per process), alternating, --repeats times.
// Usage: node bench/cpu-arena.mjs [--repeats 3]
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const i = process.argv.indexOf('--repeats');
const repeats = i > 0 ? Number(process.argv[i + 1]) : 3;

if (process.argv[2] === '--child') {
  const ort = await import('onnxruntime-node');
  const arena = process.argv[3] === 'on';
  const rss = () => Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024);
  const median = async (session, tensor, runs) => {
    const feeds = { [session.inputNames[0]]: tensor };
    for (let k = 0; k < 3; k++) await session.run(feeds);
    const t = [];
    for (let k = 0; k < runs; k++) {
      const t0 = performance.now();
      await session.run(feeds);
      t.push(performance.now() - t0);
    }
    return t.sort((a, b) => a - b)[Math.floor(runs / 2)];
  };
  const options = { enableCpuMemArena: arena, intraOpNumThreads: 1 };
  const digits = await ort.InferenceSession.create(join(root, 'examples/digits/model.onnx'), options);
  const small = new ort.Tensor('float32', new Float32Array(64), [1, 1, 8, 8]);
  const digitsMs = await median(digits, small, 2000);
  const before = rss();
  const n = 2 ** 18;
  await digits.run({ [digits.inputNames[0]]: new ort.Tensor('float32', new Float32Array(n * 64), [n, 1, 8, 8]) });
  const after = rss();
  const resnetPath = join(root, '.cache/bench-enable/resnet18.onnx');
  let resnetMs = null;
  if (existsSync(resnetPath)) {
    const resnet = await ort.InferenceSession.create(resnetPath, options);
    resnetMs = await median(
      resnet,
      new ort.Tensor('float32', new Float32Array(3 * 224 * 224).fill(0.5), [1, 3, 224, 224]),
      15,
    );
  }
  console.log(
    JSON.stringify({
      arena,
      rss_before_mb: before,
      rss_after_big_mb: after,
      digits_us: digitsMs * 1000,
      resnet_ms: resnetMs,
    }),
  );
} else {
  const rows = { on: [], off: [] };
  for (let r = 0; r < repeats; r++)
    for (const arena of ['on', 'off']) {
      const out = await execa(process.execPath, [fileURLToPath(import.meta.url), '--child', arena]);
      rows[arena].push(JSON.parse(out.stdout));
    }
  const med = (xs) => (xs.length ? xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] : null);
  const fmt = (x, d = 1) => (x === null ? '-' : x.toFixed(d));
  console.log(`| arena | RSS before MB | RSS after a 64 MiB batch MB | digits run µs | ResNet-18 run ms |`);
  console.log(`| --- | --- | --- | --- | --- |`);
  for (const arena of ['on', 'off']) {
    const g = (k) => med(rows[arena].map((x) => x[k]).filter((x) => x !== null));
    console.log(
      `| ${arena} | ${fmt(g('rss_before_mb'), 0)} | ${fmt(g('rss_after_big_mb'), 0)} | ${fmt(g('digits_us'))} | ${fmt(g('resnet_ms'))} |`,
    );
  }
  const on = (k) => med(rows.on.map((x) => x[k]).filter((x) => x !== null));
  const off = (k) => med(rows.off.map((x) => x[k]).filter((x) => x !== null));
  console.log(
    `off/on latency ratio: digits ${fmt(off('digits_us') / on('digits_us'), 2)}` +
      (on('resnet_ms') ? `, ResNet-18 ${fmt(off('resnet_ms') / on('resnet_ms'), 2)}` : ''),
  );
}
