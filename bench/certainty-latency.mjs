// Added latency of each certainty method (issue 14): the enabled model against the original, both in bare
// onnxruntime-node sessions (one intra-op thread, sequential execution), at batch 1 and batch 8. Interleaved
// rounds, so that the shared machine's load hits every model alike; medians of per-call times. Timed: every
// method, the combinations knn+rmds and knn+fdbd, knn and both combinations on the previous layer (knn's k is its
// default, 10, in all of these), and the model `ood enable --method auto` writes on the same data (auto's pick,
// named by its candidate label, e.g. "knn k=1 previous layer + fdbd").
// Run: npm run build && nice -n 19 node bench/certainty-latency.mjs [--rounds 300] [fashion]
// Prints per-sample added latency (us) and the ratio enabled / original; writes bench/out/certainty-latency.json
// (certainty-latency-fashion.json), with auto's pick and its flags under "auto".
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { enableModel } from '../dist/src/certainty/enable.js';
import { METHOD_NAMES } from '../dist/src/certainty/methods/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const i = process.argv.indexOf('--rounds');
const ROUNDS = i > 0 ? Number(process.argv[i + 1]) : 300;
const fashion = process.argv.includes('fashion');
const model = fashion ? join(root, 'bench', 'fashion', 'model.onnx') : join(root, 'examples', 'digits', 'model.onnx');
const data = fashion
  ? join(root, 'bench', 'out', 'fashion', 'id_train.npy')
  : join(root, 'examples', 'digits', 'data', 'id_train.npy');
const side = fashion ? 28 : 8;
if (!existsSync(data)) throw new Error(`${data} is missing: run /usr/bin/python3 bench/fashion/train.py`);
const work = mkdtempSync(join(tmpdir(), 'ood-bench-latency-'));
const options = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', logSeverityLevel: 3 };

const sessions = { original: await ort.InferenceSession.create(model, options) };
// Every method, and the combinations --method auto has chosen on the benchmarks (docs/evaluate.md) at knn's
// default k, with knn on the penultimate features and on the previous layer (--knn-layer previous).
const variants = [
  ...[...METHOD_NAMES, 'knn+rmds', 'knn+fdbd'].map((m) => [m, m, undefined]),
  ...['knn', 'knn+rmds', 'knn+fdbd'].map((m) => [`${m} (knn k=10, previous layer)`, m, { layer: 'previous' }]),
];
for (const [label, method, featureFit] of variants) {
  const out = join(work, `${label}.onnx`);
  await enableModel({ model, output: out, method, data, force: true, featureFit });
  sessions[label] = await ort.InferenceSession.create(out, options);
}
// auto fits and measures every candidate on this data, as `ood enable --method auto --data` does, and its model is
// timed like the rest.
process.stderr.write('enabling with --method auto...\n');
const autoOut = join(work, 'auto.onnx');
const picked = (await enableModel({ model, output: autoOut, method: 'auto', data, force: true })).auto;
const autoLabel = `auto's pick: ${picked.chosen}`;
sessions[autoLabel] = await ort.InferenceSession.create(autoOut, options);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const results = {};
for (const batch of [1, 8]) {
  const x = new Float32Array(batch * side * side).map((_, k) => ((k * 2654435761) % 1000) / 1000);
  const feeds = { image: new ort.Tensor('float32', x, [batch, 1, side, side]) };
  const times = Object.fromEntries(Object.keys(sessions).map((k) => [k, []]));
  for (const s of Object.values(sessions)) for (let w = 0; w < 20; w++) await s.run(feeds);
  for (let r = 0; r < ROUNDS; r++)
    for (const [name, s] of Object.entries(sessions)) {
      const t = performance.now();
      await s.run(feeds);
      times[name].push(performance.now() - t);
    }
  const base = median(times.original);
  results[batch] = Object.fromEntries(
    Object.entries(times).map(([name, ts]) => {
      const m = median(ts);
      return [name, { medianMs: m, addedUsPerSample: ((m - base) * 1000) / batch, ratio: m / base }];
    }),
  );
}
console.log(
  `${fashion ? 'fashion' : 'digits'} model, ${ROUNDS} interleaved rounds, 1 intra-op thread (shared machine)\n`,
);
console.log(
  '| method | batch 1: added us/sample | batch 1: x original | batch 8: added us/sample | batch 8: x original |',
);
console.log('|---|---:|---:|---:|---:|');
for (const name of Object.keys(sessions)) {
  const a = results[1][name];
  const b = results[8][name];
  console.log(
    `| ${name} | ${a.addedUsPerSample.toFixed(1)} | ${a.ratio.toFixed(2)} | ${b.addedUsPerSample.toFixed(1)} | ${b.ratio.toFixed(2)} |`,
  );
}
console.log(
  `\noriginal model: ${(results[1].original.medianMs * 1000).toFixed(0)} us per call at batch 1, ${(results[8].original.medianMs * 1000).toFixed(0)} us at batch 8`,
);
console.log(`auto's pick: ${picked.chosen} (${picked.chosenFlags})`);
mkdirSync(join(root, 'bench', 'out'), { recursive: true });
writeFileSync(
  join(root, 'bench', 'out', `certainty-latency${fashion ? '-fashion' : ''}.json`),
  `${JSON.stringify({ ...results, auto: { chosen: picked.chosen, flags: picked.chosenFlags } }, null, 2)}\n`,
);
