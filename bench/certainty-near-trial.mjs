// Trial near-OOD validation signals for `--method auto` (bench/certainty-near-kinds.mjs): every
// candidate auto tries is fitted as in bench/certainty-auto.mjs and scored on auto's validation rows, on auto's
// synthetic sets plus the trial kinds, and on the benchmark. Writes the raw validation scores and the benchmark
// AUROCs per candidate to bench/out/near-trial-<bench>-<seed>.json, for bench/certainty-near-rules.mjs to pick
// from under each rule. Run: npm run build && nice -n 19 node bench/certainty-near-trial.mjs fashion --seed=N
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { subsetSample, stack } from '../dist/src/certainty/features/collect-features.js';
import { DEFAULT_SPLIT_SEED } from '../dist/src/certainty/split.js';
import { collectSyntheticSets } from '../dist/src/certainty/auto/validation-sets.js';
import { syntheticKinds } from '../dist/src/certainty/auto/synthetic-ood.js';
import { TRIAL_KINDS, collectKinds, gatherImages } from './certainty-near-kinds.mjs';
import { fitCandidate } from '../dist/src/certainty/auto/choose-method.js';
import { scoreBranch } from '../dist/src/certainty/auto/branch-scores.js';
import { auroc } from '../dist/src/certainty/separation-metrics.js';
import { BENCHMARKS } from './certainty-benchmarks.mjs';
import { prepareBenchmark } from './certainty-setup.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const seedArg = process.argv.find((a) => a.startsWith('--seed='));
const seed = seedArg ? Number(seedArg.slice('--seed='.length)) : DEFAULT_SPLIT_SEED;
// Contaminated banks: fit each candidate again on the fit rows plus this share (per near kind) of near-OOD rows
// made from other fit rows, and score the validation on that fit: a fit whose bank holds a few atypical rows.
const SHARES = [0.02, 0.05];
const work = mkdtempSync(join(tmpdir(), 'ood-bench-trial-'));
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

try {
  for (const bench of BENCHMARKS.filter((b) => only.length === 0 || only.includes(b.name))) {
    const { model, sample, split, fit, validation, source, context, request, idTest, oodTest, candidates } =
      await prepareBenchmark(bench, seed, work);
    // auto's own sets, then the trial kinds from the same validation rows (both benchmarks take one image input)
    const images = await gatherImages(model, bench.fit, split.validation, sample.predictions);
    const synthetic = [
      ...(await collectSyntheticSets(bench.fit, split.validation, sample.predictions, request)),
      ...(await collectKinds(model, images, TRIAL_KINDS, request)),
    ];
    const nearKinds = syntheticKinds([1, 1, 1, 1]).filter((k) => k.reach === 'near');
    const fitImages = await gatherImages(model, bench.fit, split.fit, sample.predictions);
    const fromFit = await collectKinds(model, fitImages, nearKinds, { ...request, seed: seed + 1 });
    const contaminated = SHARES.map((share) => {
      const n = Math.min(512, Math.round(share * fit.count));
      const parts = [
        fit,
        ...fromFit.map((s) =>
          subsetSample(
            s.outputs,
            Int32Array.from({ length: n }, (_, i) => i),
          ),
        ),
      ];
      return {
        features: stack(parts.map((p) => p.features)),
        dim: fit.dim,
        count: parts.reduce((a, p) => a + p.count, 0),
        predictions: Int32Array.from(parts.flatMap((p) => Array.from(p.predictions))),
        classes: fit.classes,
        logits: stack(parts.map((p) => p.logits)),
        previous: { features: stack(parts.map((p) => p.previous.features)), dim: fit.previous.dim },
      };
    });
    const rows = [];
    for (const candidate of candidates) {
      let fitted;
      try {
        fitted = await fitCandidate(candidate, fit, context);
      } catch {
        continue;
      }
      const sets = [validation, ...synthetic.map((s) => s.outputs), idTest, ...oodTest.map((s) => s.outputs)];
      const { scores, secondsPerRow } = await scoreBranch(source, fitted.scoreMethod, 1, sets);
      const off = 1 + synthetic.length;
      const test = Object.fromEntries(oodTest.map((s, i) => [s.name, auroc(scores[off], scores[off + 1 + i])]));
      const dirty = [];
      for (const c of contaminated) {
        const f = await fitCandidate(candidate, c, context);
        const sc = (await scoreBranch(source, f.scoreMethod, 1, [validation, ...synthetic.map((s) => s.outputs)]))
          .scores;
        dirty.push({
          id: Array.from(sc[0]),
          sets: Object.fromEntries(synthetic.map((s, i) => [s.name, Array.from(sc[1 + i])])),
        });
      }
      rows.push({
        label: candidate.label,
        dirty,
        test,
        testMean: mean(Object.values(test)),
        microsecondsPerRow: secondsPerRow * 1e6,
        id: Array.from(scores[0]),
        sets: Object.fromEntries(synthetic.map((s, i) => [s.name, Array.from(scores[1 + i])])),
      });
      process.stderr.write('.');
    }
    model.close();
    const kindsOut = synthetic.map((s) => ({ name: s.name, reach: s.reach, count: s.outputs.count }));
    mkdirSync(join(root, 'bench', 'out'), { recursive: true });
    writeFileSync(
      join(root, 'bench', 'out', `near-trial-${bench.name}-${seed}.json`),
      JSON.stringify({ near: bench.near, kinds: kindsOut, rows }),
    );
    console.log(`${bench.name} seed ${seed}: ${rows.length} candidates, ${kindsOut.length} sets`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
