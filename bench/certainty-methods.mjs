// The certainty v2 benchmark (issue 14): every scoring method and `--method auto`, enabled on a benchmark's
// in-distribution fit data and measured by `ood evaluate` (the library's evaluateModel) on held-out ID test data
// against each OOD set, on the two benchmarks of bench/certainty-benchmarks.mjs.
// auto chooses on synthetic OOD made from its own validation rows: it never sees the evaluated OOD sets.
// Run (bench/fashion/train.py writes the data sets for the committed bench/fashion/model.onnx): npm run build && /usr/bin/python3 bench/fashion/train.py && node bench/certainty-methods.mjs
// Prints a Markdown table per benchmark (AUROC per OOD set, mean, FPR@95 mean) and writes bench/out/certainty-methods.json.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { enableModel } from '../dist/src/certainty/enable.js';
import { evaluateModel } from '../dist/src/evaluate/evaluate-model.js';
import { METHOD_NAMES } from '../dist/src/certainty/methods/index.js';
import { BENCHMARKS } from './certainty-benchmarks.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
// --methods a,b limits the rows (e.g. --methods auto,fdbd); the default is auto and every method. A method
// written `knn:previous` (or `knn+fdbd:previous`) reads knn's features from the previous layer (--knn-layer).
const methodsArg = process.argv.find((a) => a.startsWith('--methods='));
const methods = methodsArg ? methodsArg.slice('--methods='.length).split(',') : ['auto', ...METHOD_NAMES];
const work = mkdtempSync(join(tmpdir(), 'ood-bench-methods-'));
const results = {};
for (const bench of BENCHMARKS.filter((b) => only.length === 0 || only.includes(b.name))) {
  if (!existsSync(bench.fit)) {
    console.error(`${bench.name}: ${bench.fit} is missing; run /usr/bin/python3 bench/fashion/train.py first`);
    process.exit(1);
  }
  const rows = [];
  for (const method of methods) {
    const out = join(work, `${bench.name}-${method}.onnx`);
    const [name, layer] = method.split(':');
    const featureFit = layer ? { layer } : undefined;
    const enabled = await enableModel({
      model: bench.model,
      output: out,
      method: name,
      data: bench.fit,
      force: true,
      featureFit,
    });
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
  const auto = rows.find((r) => r.method.startsWith('auto'));
  const singles = rows.filter((r) => r !== auto);
  if (auto && singles.length > 0) {
    const best = singles.reduce((a, b) => (b.meanAuroc > a.meanAuroc ? b : a));
    console.log(
      `\nbest single method: ${best.method} ${best.meanAuroc.toFixed(3)}; auto ${auto.meanAuroc.toFixed(3)} (difference ${(auto.meanAuroc - best.meanAuroc).toFixed(3)})`,
    );
  }
}
mkdirSync(join(root, 'bench', 'out'), { recursive: true });
writeFileSync(join(root, 'bench', 'out', 'certainty-methods.json'), `${JSON.stringify(results, null, 2)}\n`);
