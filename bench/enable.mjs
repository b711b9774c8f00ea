// Benchmark for `ood enable` (issue 3). Run with `npm run build && node bench/enable.mjs [--repeats 5]`.
// 1. Calibration throughput: samples/s of enable's calibration loop (read + validate + batch + score) against
//    bare batched onnxruntime-node inference of the original model on the same data, batch 32, as a ratio.
//    Models: the digits example (289 samples x 50) and torchvision ResNet-18 (random weights, 64 images).
// 2. A >= 300 MB model: wall time and peak RSS of `enableModel` (no data) against reading the file (readFileSync,
//    a streamed hash, a kernel file copy), each in a fresh process.
// Models and data are made in this run under .cache/bench-enable/ (gitignored).
// Prints medians and ratios; writes bench/out/enable.json. Not part of `npm test`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { OnnxModel } from '../dist/src/onnx/model.js';
import { planStrip } from '../dist/src/certainty/strip.js';
import { chooseLogits } from '../dist/src/certainty/logits.js';
import { getMethod } from '../dist/src/certainty/methods/index.js';
import { buildScoreGraph } from '../dist/src/certainty/score-graph.js';
import { openCalibrationData } from '../dist/src/certainty/data/open-data.js';
import { openScoringSession } from '../dist/src/certainty/scoring-session.js';
import { collectRawScores } from '../dist/src/certainty/calibrate.js';
import { NpyFile } from '../dist/src/certainty/data/npy.js';
import { writeBigClassifier } from './enable-big-model.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const repeats = arg('--repeats', 5);
const work = join(root, '.cache', 'bench-enable');
mkdirSync(work, { recursive: true });
const BATCH = 32;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function writeNpy(path, shape, data) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head.writeUInt16LE(header.length, 8);
  writeFileSync(
    path,
    Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]),
  );
}

/** Batches of 32 cut from an in-memory array, run through `session`, fetching `fetches` (all outputs if undefined). */
async function memoryPass(session, inputName, data, shape, fetches) {
  const row = data.length / shape[0];
  const t0 = performance.now();
  for (let start = 0; start < shape[0]; start += BATCH) {
    const end = Math.min(shape[0], start + BATCH);
    await session.run(
      {
        [inputName]: new ort.Tensor('float32', data.subarray(start * row, end * row), [end - start, ...shape.slice(1)]),
      },
      fetches,
    );
  }
  return performance.now() - t0;
}

/**
 * onnxruntime's intra-op workers keep spinning for a while after a session's last run, so a pass right after a
 * switch of session pays for the previous session's spin (measured: bare 118 → 80 µs per digits batch with a
 * pause). Every timed pass starts after this pause, so the order of the passes doesn't pick the winner.
 */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

/**
 * Three timings per repeat, interleaved so that they share the machine's noise (sessions opened once, one
 * untimed warm-up round):
 *   bare:  the original model, data from memory (the baseline);
 *   ood:   enable's calibration loop on the scoring graph (data read from the .npy, validated, batched);
 *   graph: the scoring graph fed from memory like the baseline, to split graph cost from data-path cost.
 */
async function calibrationCase(name, modelPath, inputName, npyPath) {
  const npy = new NpyFile(npyPath);
  const shape = npy.header.shape;
  const all = npy.readRows(0, npy.rows).data;
  npy.close();
  const bareSession = await ort.InferenceSession.create(modelPath);
  const model = OnnxModel.open(modelPath);
  const strip = planStrip(model);
  const logits = chooseLogits(strip.outputs);
  const graph = buildScoreGraph({
    opset: model.defaultOpset,
    used: strip.used,
    logits,
    method: getMethod('energy'),
    temperature: 1,
    output: 'ood/bench_score',
    map: { kind: 'none' },
    docString: '',
  });
  const scoring = await openScoringSession(model, { appendGraph: graph.fields });
  const inputs = model.info.graph.inputs;
  const times = { bare: [], ood: [], graph: [] };
  for (let r = -1; r < repeats; r++) {
    await settle();
    const bare = await memoryPass(bareSession, inputName, all, shape);
    const data = await openCalibrationData(npyPath, inputs);
    await settle();
    const t0 = performance.now();
    await collectRawScores(scoring.session, data, { scoreOutput: 'ood/bench_score', inputs, batchSize: BATCH });
    const ood = performance.now() - t0;
    data.close();
    await settle();
    const graphOnly = await memoryPass(scoring.session, inputName, all, shape, ['ood/bench_score']);
    if (r < 0) continue;
    times.bare.push(bare);
    times.ood.push(ood);
    times.graph.push(graphOnly);
  }
  await scoring.dispose();
  await bareSession.release();
  model.close();
  const rate = (ms) => shape[0] / (median(ms) / 1000);
  const bare = rate(times.bare);
  const ood = rate(times.ood);
  const graphOnly = rate(times.graph);
  return {
    case: name,
    samples: shape[0],
    batch: BATCH,
    bareSamplesPerSec: bare,
    oodSamplesPerSec: ood,
    scoringGraphFromMemorySamplesPerSec: graphOnly,
    ratio: ood / bare,
    graphRatio: graphOnly / bare,
  };
}

function child(mode, model, out) {
  const r = spawnSync(process.execPath, [join(root, 'bench', 'enable-child.mjs'), mode, model, out ?? ''], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`${mode} failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

// ---- 1. calibration throughput ----
const calibration = [];
const digitsModel = join(root, 'examples', 'digits', 'model.onnx');
const digitsNpy = join(work, 'digits-x50.npy');
{
  const src = new NpyFile(join(root, 'examples', 'digits', 'data', 'calibration.npy'));
  const rows = src.readRows(0, src.rows).data;
  const big = new Float32Array(rows.length * 50);
  for (let i = 0; i < 50; i++) big.set(rows, i * rows.length);
  writeNpy(digitsNpy, [src.rows * 50, 1, 8, 8], big);
  src.close();
}
calibration.push(await calibrationCase('digits CNN (40 KB)', digitsModel, 'image', digitsNpy));

const resnet = join(work, 'resnet18.onnx');
if (!existsSync(resnet)) {
  const r = spawnSync(
    '/usr/bin/python3',
    [join(root, 'test', 'helpers', 'export_torchvision.py'), 'resnet18', resnet, '13', '224', '0'],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) console.error(`ResNet-18 export failed, skipping it: ${r.stderr.slice(-300)}`);
}
if (existsSync(resnet)) {
  const images = join(work, 'resnet-64.npy');
  const n = 64;
  const data = new Float32Array(n * 3 * 224 * 224);
  let seed = 7;
  for (let i = 0; i < data.length; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    data[i] = ((seed >>> 8) / 16777216) * 4 - 2;
  }
  writeNpy(images, [n, 3, 224, 224], data);
  calibration.push(await calibrationCase('ResNet-18 (46 MB, 224x224)', resnet, 'input', images));
}

// ---- 2. a >= 300 MB model: edit vs read ----
const bigModel = join(work, 'big-classifier.onnx');
if (!existsSync(bigModel) || statSync(bigModel).size < 300e6) await writeBigClassifier(bigModel);
const bigMb = statSync(bigModel).size / 1e6;
const bigOut = join(work, 'big-classifier.enabled.onnx');
const modes = { noop: [], read: [], stream: [], copy: [], enable: [] };
for (let r = 0; r < Math.max(3, Math.min(repeats, 5)); r++) {
  for (const mode of Object.keys(modes)) modes[mode].push(child(mode, bigModel, bigOut));
}
const summary = Object.fromEntries(
  Object.entries(modes).map(([mode, runs]) => [
    mode,
    { ms: median(runs.map((x) => x.ms)), maxRssMb: median(runs.map((x) => x.maxRssMb)) },
  ]),
);
const big = {
  modelMb: bigMb,
  ...summary,
  editVsReadTime: summary.enable.ms / summary.read.ms,
  editVsStreamTime: summary.enable.ms / summary.stream.ms,
  editVsCopyTime: summary.enable.ms / summary.copy.ms,
  editVsReadRss: summary.enable.maxRssMb / summary.read.maxRssMb,
  editRssOverNodeMb: summary.enable.maxRssMb - summary.noop.maxRssMb,
};

// ---- report ----
const fmt = (v, d = 1) => v.toFixed(d);
console.log(
  `ood enable benchmark (${cpus().length} cores, medians of ${repeats} repeats; onnxruntime-node ${ort.env.versions?.common ?? ''})\n`,
);
console.log('Calibration throughput (batch 32, energy score)');
console.log(
  'case                          samples  bare ORT samples/s  ood samples/s  ood/bare  (scoring graph from memory)/bare',
);
for (const c of calibration) {
  console.log(
    `${c.case.padEnd(30)}${String(c.samples).padStart(7)}  ${fmt(c.bareSamplesPerSec).padStart(18)}  ${fmt(c.oodSamplesPerSec).padStart(13)}  ${fmt(c.ratio, 2).padStart(8)}  ${fmt(c.graphRatio, 2).padStart(8)}`,
  );
}
console.log(
  `\nEdit of a ${fmt(bigMb, 0)} MB model (fresh process each; RSS includes ~${fmt(summary.noop.maxRssMb, 0)} MB of Node itself)`,
);
console.log('operation                        time ms   peak RSS MB');
const rows = [
  ['node start only', summary.noop],
  ['readFileSync(model)', summary.read],
  ['stream + sha256 (no buffer)', summary.stream],
  ['copyFileSync (kernel copy)', summary.copy],
  ['enableModel (no data)', summary.enable],
];
for (const [name, s] of rows)
  console.log(`${name.padEnd(32)}${fmt(s.ms, 0).padStart(8)}  ${fmt(s.maxRssMb, 0).padStart(12)}`);
console.log(
  `\nedit/read time ${fmt(big.editVsReadTime, 2)}x, edit/stream time ${fmt(big.editVsStreamTime, 2)}x, edit/copy time ${fmt(big.editVsCopyTime, 2)}x`,
);
console.log(
  `edit/read peak RSS ${fmt(big.editVsReadRss, 2)}x; the edit holds ${fmt(big.editRssOverNodeMb, 0)} MB above a bare Node process for a ${fmt(bigMb, 0)} MB model`,
);

mkdirSync(join(root, 'bench', 'out'), { recursive: true });
writeFileSync(
  join(root, 'bench', 'out', 'enable.json'),
  `${JSON.stringify({ date: new Date().toISOString(), cores: cpus().length, repeats, calibration, bigModel: big }, null, 2)}\n`,
);
console.log('\nwrote bench/out/enable.json');
