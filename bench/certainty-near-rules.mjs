// Picks under each trial validation rule, from bench/certainty-near-trial.mjs's files: which synthetic sets
// auto's score reads (near and far weighed apart, validationScore), then auto's tie rule (tie-rule.ts). Prints per
// rule and seed the pick's held-out and mean benchmark AUROC, and per set the rank correlation over the
// candidates between its validation AUROC and the held-out AUROC. The rules were fixed before the files were
// measured (docs/evaluate.md, "Other synthetic near-OOD signals"). Run: node bench/certainty-near-rules.mjs fashion digits
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validationScore } from '../dist/src/certainty/auto/choose-method.js';
import { pickWithTies } from '../dist/src/certainty/auto/tie-rule.js';
import { auroc, fprAtTpr } from '../dist/src/certainty/separation-metrics.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SEEDS = [20261201, 1, 2, 3, 4, 5];
const BASE_NEAR = ['synthetic:cut-paste', 'synthetic:tile-shuffle'];
const SHAPES = ['trial:stretch-vertical', 'trial:squeeze-horizontal', 'trial:zoom', 'trial:shrink', 'trial:wave'];
const TRIALS = ['trial:mixup-0.5', 'trial:mixup-0.7', 'trial:overlay-max', ...SHAPES];
// Fixed before measuring: the base, the base near kinds plus each trial kind, plus all shape kinds, plus all.
const RULES = {
  base: BASE_NEAR,
  ...Object.fromEntries(TRIALS.map((t) => [`+${t.slice(6)}`, [...BASE_NEAR, t]])),
  '+shapes': [...BASE_NEAR, ...SHAPES],
  '+all': [...BASE_NEAR, ...TRIALS],
  'shapes only': SHAPES,
};
// Auto's own sets, scored by candidates fitted on fit rows plus 2% or 5% near-OOD rows per near kind (dirty[j]).
const DIRTY = { 'contaminated 2%': 0, 'contaminated 5%': 1 };
const rank = (xs) => {
  const order = xs.map((v, i) => [v, i]).sort((a, b) => a[0] - b[0]);
  const r = new Array(xs.length);
  order.forEach(([, i], k) => (r[i] = k));
  return r;
};
const spearman = (a, b) => {
  const ra = rank(a),
    rb = rank(b),
    n = a.length,
    m = (n - 1) / 2;
  let num = 0,
    da = 0,
    db = 0;
  for (let i = 0; i < n; i++) {
    num += (ra[i] - m) * (rb[i] - m);
    da += (ra[i] - m) ** 2;
    db += (rb[i] - m) ** 2;
  }
  return num / Math.sqrt(da * db);
};
for (const name of process.argv.slice(2)) {
  const runs = SEEDS.map((s) => join(root, 'bench', 'out', `near-trial-${name}-${s}.json`)).filter(existsSync);
  const table = {};
  const corr = {};
  const lowConfidence = {};
  for (const file of runs) {
    const seed = Number(file.match(/-(\d+)\.json$/)[1]);
    const { near, kinds, rows } = JSON.parse(readFileSync(file, 'utf8'));
    const val = rows.map((r) => Object.fromEntries(kinds.map((k) => [k.name, auroc(r.id, r.sets[k.name])])));
    const held = rows.map((r) => r.test[near]);
    for (const k of kinds)
      (corr[k.name] ??= []).push(
        spearman(
          val.map((v) => v[k.name]),
          held,
        ),
      );
    // the model's least confident tenth of the validation rows (by msp's score) against the other nine tenths
    const msp = rows.find((r) => r.label === 'msp').id;
    const low = new Set(
      msp
        .map((v, i) => [v, i])
        .sort((a, b) => a[0] - b[0])
        .slice(0, Math.round(msp.length / 10))
        .map(([, i]) => i),
    );
    for (const r of rows) {
      const a = auroc(
        r.id.filter((_, i) => !low.has(i)),
        r.id.filter((_, i) => low.has(i)),
      );
      (lowConfidence[r.label] ??= []).push(`${a.toFixed(3)} (held-out ${r.test[near].toFixed(3)})`);
    }
    const best = rows.reduce((a, b) => (b.testMean > a.testMean ? b : a));
    const rules = Object.entries(RULES).map(([rule, nearKinds]) => [rule, nearKinds, undefined]);
    if (rows[0].dirty) for (const [rule, j] of Object.entries(DIRTY)) rules.push([rule, BASE_NEAR, j]);
    for (const [rule, nearKinds, j] of rules) {
      const src = (r) => (j === undefined ? r : r.dirty[j]);
      const vals = rows.map((r) =>
        Object.fromEntries(kinds.map((k) => [k.name, auroc(src(r).id, src(r).sets[k.name])])),
      );
      const used = kinds.filter((k) => k.reach === 'far' || nearKinds.includes(k.name));
      if (!used.some((k) => k.reach === 'near')) continue;
      const score = (aurocs) => validationScore(used.map((k, i) => ({ reach: k.reach, auroc: aurocs[i] })));
      const ranked = rows
        .map((r, i) => ({
          ...r,
          score: score(used.map((k) => vals[i][k.name])),
          meanFprAt95Tpr: 0,
          scores: { id: src(r).id, ood: used.map((k) => src(r).sets[k.name]) },
        }))
        .sort((a, b) => b.score - a.score);
      // mean FPR@95 over the sets used, auto's tie break
      for (const r of ranked)
        r.meanFprAt95Tpr = used.reduce((a, k, i) => a + fprAtTpr(r.scores.id, r.scores.ood[i]).fpr, 0) / used.length;
      const { pick } = pickWithTies(
        ranked,
        used.map((k) => ({ reach: k.reach, count: k.count })),
        seed,
        score,
      );
      const p = ranked[pick];
      (table[rule] ??= []).push({ seed, label: p.label, held: p.test[near], mean: p.testMean, best: best.testMean });
    }
  }
  console.log(
    `\n## ${name}: rank correlation (Spearman, over candidates) of each set's validation AUROC with ${'held-out'}, per seed`,
  );
  for (const [k, cs] of Object.entries(corr)) console.log(`${k.padEnd(28)} ${cs.map((c) => c.toFixed(2)).join(' ')}`);
  console.log(`\n## ${name}: least confident tenth of the validation rows against the rest, per seed`);
  for (const label of [
    'knn k=1 previous layer + fdbd',
    'knn k=10 previous layer + fdbd',
    'knn k=1 previous layer + rmds',
  ])
    console.log(`${label.padEnd(32)} ${lowConfidence[label].join('  ')}`);
  console.log(`\n## ${name}: picks per rule (held-out / mean per seed ${runs.length})`);
  for (const [rule, ps] of Object.entries(table))
    console.log(
      `${rule.padEnd(22)} ${ps.map((p) => `${p.held.toFixed(3)}/${p.mean.toFixed(3)}`).join('  ')}   | ${[...new Set(ps.map((p) => p.label))].join('; ')}`,
    );
}
