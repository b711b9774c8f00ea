// How well `--method auto`'s validation predicts the benchmark: every candidate auto tries is fitted on the same
// fit rows as in `ood enable --method auto`, then scored both on auto's validation sets (its own ID validation
// rows against each synthetic OOD set, near and far) and on the benchmark's held-out test data (ID test against
// each evaluated OOD set), from features collected once per set. Raw scores: the CDF normalization keeps every
// ranking, so the AUROCs equal `ood evaluate`'s of the enabled candidate. Prints per benchmark the candidates
// with their mean validation AUROC on far- and near-OOD synthetic sets, the score auto ranks by, and the
// benchmark's near-OOD and mean AUROC, then which candidate the score picks and what the best candidate
// reaches. Writes every figure per set to bench/out/certainty-auto.json (`--dump`: every raw score too).
// auto picks with the tie rule (src/certainty/auto/tie-rule.ts: leads within one paired-bootstrap
// standard error tie, broken by validation FPR@95 then latency); the bench also prints the candidate with the
// highest score, which auto picked before that rule, and with --folds=K the pick by the mean score over K
// rotations of the validation part (docs/evaluate.md, "The tie rule and k-fold validation").
// Run (bench/fashion/train.py writes the data sets for the committed bench/fashion/model.onnx): npm run build && /usr/bin/python3 bench/fashion/train.py && nice node bench/certainty-auto.mjs [digits|fashion]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { subsetSample } from '../dist/src/certainty/features/collect-features.js';
import { seededRandom, DEFAULT_SPLIT_SEED } from '../dist/src/certainty/split.js';
import { collectSyntheticSets } from '../dist/src/certainty/auto/validation-sets.js';
import { fitCandidate, validationScore } from '../dist/src/certainty/auto/choose-method.js';
import { scoreBranch } from '../dist/src/certainty/auto/branch-scores.js';
import { auroc, fprAtTpr } from '../dist/src/certainty/separation-metrics.js';
import { pickWithTies } from '../dist/src/certainty/auto/tie-rule.js';
import { BENCHMARKS } from './certainty-benchmarks.mjs';
import { prepareBenchmark } from './certainty-setup.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const seedArg = process.argv.find((a) => a.startsWith('--seed=')); // another split seed, to see how stable the pick is
const seed = seedArg ? Number(seedArg.slice('--seed='.length)) : DEFAULT_SPLIT_SEED;
const foldsArg = process.argv.find((a) => a.startsWith('--folds=')); // also rank by the mean over k rotations
const folds = foldsArg ? Number(foldsArg.slice('--folds='.length)) : 1;
const dump = process.argv.includes('--dump'); // also write every raw score (bench/out/certainty-auto-scores.json)
const dumped = {};
const work = mkdtempSync(join(tmpdir(), 'ood-bench-auto-'));
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const results = {};

try {
  for (const bench of BENCHMARKS.filter((b) => only.length === 0 || only.includes(b.name))) {
    const {
      model,
      sample,
      split,
      fit,
      validation,
      calibration,
      source,
      context,
      request,
      idTest,
      oodTest,
      candidates,
    } = await prepareBenchmark(bench, seed, work);
    const synthetic = await collectSyntheticSets(bench.fit, split.validation, sample.predictions, request);
    const rows = [];
    for (const candidate of candidates) {
      let fitted;
      try {
        fitted = await fitCandidate(candidate, fit, context);
      } catch (err) {
        rows.push({ label: candidate.label, error: err.message });
        continue;
      }
      const sets = [
        validation,
        ...synthetic.map((s) => s.outputs),
        idTest,
        ...oodTest.map((s) => s.outputs),
        calibration,
      ];
      const { scores, secondsPerRow } = await scoreBranch(source, fitted.scoreMethod, 1, sets);
      const val = Object.fromEntries(synthetic.map((s, i) => [s.name, auroc(scores[0], scores[1 + i])]));
      const testOffset = 1 + synthetic.length;
      const test = Object.fromEntries(
        oodTest.map((s, i) => [s.name, auroc(scores[testOffset], scores[testOffset + 1 + i])]),
      );
      const criterion = validationScore(synthetic.map((s) => ({ reach: s.reach, auroc: val[s.name] })));
      const valFpr = mean(synthetic.map((s, i) => fprAtTpr(scores[0], scores[1 + i]).fpr));
      rows.push({
        label: candidate.label,
        val,
        criterion,
        test,
        testMean: mean(Object.values(test)),
        // what the tie rule reads (src/certainty/auto/tie-rule.ts)
        score: criterion,
        meanFprAt95Tpr: valFpr,
        microsecondsPerRow: secondsPerRow * 1e6,
        validationScores: { id: scores[0], ood: scores.slice(1, 1 + synthetic.length) },
      });
      if (dump) {
        const names = [
          'validation',
          ...synthetic.map((s) => s.name),
          'id_test',
          ...oodTest.map((s) => s.name),
          'calibration',
        ];
        (dumped[bench.name] ??= {})[candidate.label] = Object.fromEntries(
          names.map((n, i) => [n, Array.from(scores[i])]),
        );
      }
    }
    if (folds > 1) {
      // k-fold rotation of the validation part over the fit + validation rows (calibration kept apart): fold f
      // validates, the other folds fit (60% of the rows, as in auto), stratified by predicted class, seeded.
      const pool = Array.from(split.fit)
        .concat(Array.from(split.validation))
        .sort((a, b) => a - b);
      const byClass = new Map();
      for (const r of pool) byClass.set(sample.predictions[r], [...(byClass.get(sample.predictions[r]) ?? []), r]);
      const foldOf = new Map();
      const random = seededRandom(seed + 7919);
      for (const [, members] of [...byClass.entries()].sort((a, b) => a[0] - b[0])) {
        for (let i = members.length - 1; i > 0; i--) {
          const j = Math.floor(random() * (i + 1));
          [members[i], members[j]] = [members[j], members[i]];
        }
        members.forEach((r, i) => foldOf.set(r, i % folds));
      }
      const sums = new Map();
      for (let f = 0; f < folds; f++) {
        const valRows = Int32Array.from(pool.filter((r) => foldOf.get(r) === f));
        const fitRows = Int32Array.from(pool.filter((r) => foldOf.get(r) !== f));
        const fitF = subsetSample(sample, fitRows);
        const valF = subsetSample(sample, valRows);
        const synth = await collectSyntheticSets(bench.fit, valRows, sample.predictions, request);
        for (const candidate of candidates) {
          let fitted;
          try {
            fitted = await fitCandidate(candidate, fitF, context);
          } catch {
            continue;
          }
          const { scores } = await scoreBranch(source, fitted.scoreMethod, 1, [valF, ...synth.map((s) => s.outputs)]);
          const c = validationScore(synth.map((s, i) => ({ reach: s.reach, auroc: auroc(scores[0], scores[1 + i]) })));
          sums.set(candidate.label, (sums.get(candidate.label) ?? 0) + c / folds);
        }
      }
      for (const r of rows) if (!r.error) r.foldScore = sums.get(r.label);
    }
    model.close();
    const ok = rows.filter((r) => !r.error);
    const top = ok.reduce((a, b) => (b.criterion > a.criterion ? b : a)); // the highest score
    const best = ok.reduce((a, b) => (b.testMean > a.testMean ? b : a));
    const tieSets = synthetic.map((s) => ({ reach: s.reach, count: s.outputs.count }));
    const ranked = [...ok].sort((a, b) => b.criterion - a.criterion);
    const {
      pick,
      tied: tiedRanks,
      standardErrors,
    } = pickWithTies(
      ranked.map((r) => ({ ...r, scores: r.validationScores })),
      tieSets,
      seed,
      (aurocs) => validationScore(tieSets.map((s, i) => ({ reach: s.reach, auroc: aurocs[i] }))),
    );
    const picked = ranked[pick]; // auto's pick
    const tied = tiedRanks.map((i) => ok.indexOf(ranked[i]));
    const errors = ok.map((r) => standardErrors[ranked.indexOf(r)]);
    if (folds > 1) {
      const foldPick = ok.reduce((a, b) => (b.foldScore > a.foldScore ? b : a));
      console.log(`\nTop by the mean over ${folds} folds:`);
      for (const r of [...ok].sort((a, b) => b.foldScore - a.foldScore).slice(0, 6))
        console.log(
          `  ${r.label}: ${r.foldScore.toFixed(4)} (${bench.near} ${r.test[bench.near].toFixed(3)}, mean ${r.testMean.toFixed(3)})`,
        );
      console.log(
        `${folds}-fold picks ${foldPick.label} (${bench.near} ${foldPick.test[bench.near].toFixed(3)}, benchmark ${foldPick.testMean.toFixed(3)})`,
      );
      results[`${bench.name}:folds`] = foldPick.label;
    }
    for (const r of rows) delete r.validationScores;
    results[bench.name] = { rows, picked: picked.label, highestScore: top.label, best: best.label };
    const reachMean = (r, reach) => mean(synthetic.filter((s) => s.reach === reach).map((s) => r.val[s.name]));
    console.log(`\n### ${bench.name}: auto's validation (synthetic OOD) against the benchmark, best score first\n`);
    console.log(`| candidate | validation far-OOD | validation near-OOD | score | ${bench.near} | benchmark mean |`);
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const r of [...ok].sort((a, b) => b.criterion - a.criterion))
      console.log(
        `| ${r.label} | ${reachMean(r, 'far').toFixed(3)} | ${reachMean(r, 'near').toFixed(3)} | ${r.criterion.toFixed(3)} | ${r.test[bench.near].toFixed(3)} | ${r.testMean.toFixed(3)} |`,
      );
    console.log(`\nTied with the leader (lead within one bootstrap standard error), by validation FPR@95:`);
    for (const i of [...tied].sort((a, b) => ok[a].meanFprAt95Tpr - ok[b].meanFprAt95Tpr))
      console.log(
        `  ${ok[i].label}: score ${ok[i].criterion.toFixed(4)}, lead ${(top.criterion - ok[i].criterion).toFixed(4)} ± ${errors[i].toFixed(4)}, val FPR@95 ${ok[i].meanFprAt95Tpr.toFixed(3)}, ${bench.near} ${ok[i].test[bench.near].toFixed(3)}, mean ${ok[i].testMean.toFixed(3)}`,
      );
    console.log(
      `highest score: ${top.label} (${bench.near} ${top.test[bench.near].toFixed(3)}, benchmark ${top.testMean.toFixed(3)}); ${tied.length} tied`,
    );
    console.log(
      `\nauto picks ${picked.label} (${bench.near} ${picked.test[bench.near].toFixed(3)}, benchmark ${picked.testMean.toFixed(3)}); best candidate ${best.label} (${best.testMean.toFixed(3)}); difference ${(picked.testMean - best.testMean).toFixed(3)}`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
mkdirSync(join(root, 'bench', 'out'), { recursive: true });
writeFileSync(join(root, 'bench', 'out', 'certainty-auto.json'), `${JSON.stringify(results, null, 2)}\n`);
if (dump) writeFileSync(join(root, 'bench', 'out', 'certainty-auto-scores.json'), JSON.stringify(dumped));
