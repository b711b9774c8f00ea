// The certainty v2 benchmark (issue 14): every scoring method and `--method auto`, enabled on a benchmark's
// in-distribution fit data and measured by `ood evaluate` (the library's evaluateModel) on held-out ID test data
// against each OOD set. Two benchmarks:
//   digits   examples/digits (8x8 digits 0-7): held-out digits 8/9, inverted digits, uniform noise
//   fashion  bench/fashion/train.py (Fashion-MNIST classes 0-7): held-out classes 8/9 (near-OOD), sklearn
//            digits upscaled (another domain), uniform noise, ID test images rotated 90 degrees
// auto chooses on synthetic OOD made from its own validation rows: it never sees the evaluated OOD sets.
// Run: npm run build && /usr/bin/python3 bench/fashion/train.py && node bench/certainty-methods.mjs
// Prints a Markdown table per benchmark (AUROC per OOD set, mean, FPR@95 mean) and writes bench/out/certainty-methods.json.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { enableModel } from '../dist/src/certainty/enable.js';
import { evaluateModel } from '../dist/src/evaluate/evaluate-model.js';
import { METHOD_NAMES } from '../dist/src/certainty/methods/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const digits = join(root, 'examples', 'digits');
const fashion = join(root, 'bench', 'out', 'fashion');
const BENCHMARKS = [
  {
    name: 'digits',
    model: join(digits, 'model.onnx'),
    fit: join(digits, 'data', 'id_train.npy'),
    id: join(digits, 'data', 'calibration.npy'),
    ood: ['ood_heldout', 'ood_inverted', 'ood_noise'].map((n) => join(digits, 'data', `${n}.npy`)),
    near: 'ood_heldout',
  },
  {
    name: 'fashion',
    model: join(fashion, 'model.onnx'),
    fit: join(fashion, 'id_train.npy'),
    id: join(fashion, 'id_test.npy'),
    ood: ['ood_heldout', 'ood_digits', 'ood_noise', 'ood_rotated'].map((n) => join(fashion, `${n}.npy`)),
    near: 'ood_heldout',
  },
];
const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const work = mkdtempSync(join(tmpdir(), 'ood-bench-methods-'));
const results = {};
for (const bench of BENCHMARKS.filter((b) => only.length === 0 || only.includes(b.name))) {
  if (!existsSync(bench.model)) {
    console.error(`${bench.name}: ${bench.model} is missing; run /usr/bin/python3 bench/fashion/train.py first`);
    process.exit(1);
  }
  const rows = [];
  for (const method of ['auto', ...METHOD_NAMES]) {
    const out = join(work, `${bench.name}-${method}.onnx`);
    const enabled = await enableModel({ model: bench.model, output: out, method, data: bench.fit, force: true });
    const report = await evaluateModel({ model: out, id: bench.id, ood: bench.ood, original: bench.model });
    const sets = Object.fromEntries(report.ood.map((s) => [s.name, s.metrics.auroc]));
    rows.push({
      method: method === 'auto' ? `auto (${enabled.auto.chosen})` : method,
      sets,
      meanAuroc: report.mean.auroc,
      meanFpr: report.mean.fprAt95Tpr,
      outputs: report.outputs.status,
      warnings: enabled.warnings,
    });
    process.stderr.write(`${bench.name} ${method}: mean AUROC ${report.mean.auroc.toFixed(3)}\n`);
  }
  results[bench.name] = rows;
  const names = Object.keys(rows[0].sets);
  console.log(`\n### ${bench.name}\n`);
  console.log(`| method | ${names.join(' | ')} | mean AUROC | mean FPR@95 |`);
  console.log(`|---|${names.map(() => '---:').join('|')}|---:|---:|`);
  for (const r of rows)
    console.log(
      `| ${r.method} | ${names.map((n) => r.sets[n].toFixed(3)).join(' | ')} | ${r.meanAuroc.toFixed(3)} | ${r.meanFpr.toFixed(3)} |`,
    );
  const best = rows.slice(1).reduce((a, b) => (b.meanAuroc > a.meanAuroc ? b : a));
  console.log(
    `\nbest single method: ${best.method} ${best.meanAuroc.toFixed(3)}; auto ${rows[0].meanAuroc.toFixed(3)} (difference ${(rows[0].meanAuroc - best.meanAuroc).toFixed(3)})`,
  );
}
mkdirSync(join(root, 'bench', 'out'), { recursive: true });
writeFileSync(join(root, 'bench', 'out', 'certainty-methods.json'), `${JSON.stringify(results, null, 2)}\n`);
