// The rule for `--method auto` is "pick by mean AUROC (ties by FPR@95, then latency)". A tie has to mean
// a difference the validation data cannot resolve, not one below 1e-9: with a few hundred validation rows per
// set, the leading candidates' scores differ by less than their sampling error. So a candidate ties the leader
// when the leader's lead over it is at most one standard error of that lead, measured by a paired bootstrap
// over the validation images (Efron & Tibshirani, "An Introduction to the Bootstrap", 1993, ch. 6 and 16); one
// standard error is the conventional resolution of a model-selection estimate (the one-standard-error rule,
// Breiman et al., "Classification and Regression Trees", 1984, §3.4.3; Hastie, Tibshirani & Friedman, "The
// Elements of Statistical Learning", 2nd ed., §7.10). Among the tied, the lowest mean FPR@95%TPR wins, then the
// fastest. The rule was fixed before measuring which candidate it picks (docs/evaluate.md, "The tie rule, measured"); measured in bench/certainty-auto.mjs, not adopted by auto.
//
// The resampled unit is a validation image: synthetic row i of every synthetic set is made from validation row i
// (src/certainty/auto/validation-sets.ts), so one draw of validation rows weighs the ID rows and every synthetic set's rows alike,
// and every candidate is scored on the same draws (paired). A user's `--ood-val` set is drawn on its own.
import { seededRandom } from '../dist/src/certainty/split.js';
/** Bootstrap resamples; 200 put the standard error within about 5% of its value (Efron & Tibshirani, §6.4). */
export const TIE_RESAMPLES = 200;
/** The resolution: a lead within this many standard errors is a tie. */
export const TIE_STANDARD_ERRORS = 1;
/** Seeded draws: validation rows with replacement (synthetic sets follow them), user sets drawn apart. */
export function drawBootstrap(idCount, sets, seed, resamples = TIE_RESAMPLES) {
  const random = seededRandom(seed ^ 0x5bd1e995);
  const draw = (n) => {
    const w = new Uint16Array(n);
    for (let i = 0; i < n; i++) w[Math.floor(random() * n)]++;
    return w;
  };
  const draws = { id: [], ood: [] };
  for (let b = 0; b < resamples; b++) {
    const id = draw(idCount);
    draws.id.push(id);
    draws.ood.push(
      sets.map((s) => (s.reach !== undefined && s.count <= idCount ? id.subarray(0, s.count) : draw(s.count))),
    );
  }
  return draws;
}
/**
 * AUROC of one candidate on one set, for every draw: the Mann-Whitney form with each row counted as often as
 * it was drawn (ties as ½). The rows are sorted once; each draw is then a linear pass.
 */
export function bootstrapAuroc(id, ood, idWeights, oodWeights) {
  const n = id.length + ood.length;
  const order = Array.from({ length: n }, (_, i) => i);
  const value = (i) => (i < id.length ? id[i] : ood[i - id.length]);
  order.sort((a, b) => value(a) - value(b));
  const out = new Float64Array(idWeights.length);
  for (let b = 0; b < idWeights.length; b++) {
    const wi = idWeights[b];
    const wo = oodWeights[b];
    let below = 0; // OOD weight strictly below the current tie group
    let area = 0;
    let totalId = 0;
    for (let start = 0; start < n;) {
      let end = start;
      let groupId = 0;
      let groupOod = 0;
      const v = value(order[start]);
      while (end < n && value(order[end]) === v) {
        const r = order[end];
        if (r < id.length) groupId += wi[r];
        else groupOod += wo[r - id.length] ?? 0;
        end++;
      }
      area += groupId * (below + groupOod / 2);
      below += groupOod;
      totalId += groupId;
      start = end;
    }
    out[b] = totalId > 0 && below > 0 ? area / (totalId * below) : Number.NaN;
  }
  return out;
}
/**
 * The standard error of the leader's lead over each candidate (0 for the leader itself), from the same draws:
 * `combine` turns one draw's per-set AUROCs into the ranking score (validationScore).
 */
export function leadStandardErrors(scores, leader, sets, draws, combine) {
  const perDraw = scores.map((c) => {
    const bySet = sets.map((_, s) =>
      bootstrapAuroc(
        c.id,
        c.ood[s],
        draws.id,
        draws.ood.map((d) => d[s]),
      ),
    );
    return Float64Array.from(draws.id, (_, b) => combine(bySet.map((x) => x[b])));
  });
  const lead = perDraw[leader];
  return perDraw.map((c) => {
    const d = Array.from(lead, (v, b) => v - c[b]).filter(Number.isFinite);
    if (d.length < 2) return 0;
    const m = d.reduce((a, x) => a + x, 0) / d.length;
    return Math.sqrt(d.reduce((a, x) => a + (x - m) ** 2, 0) / (d.length - 1));
  });
}
/**
 * The index of the pick: among the candidates whose lead gap to the best score is within TIE_STANDARD_ERRORS
 * of its standard error, the lowest mean FPR@95%TPR, then the fastest. Also returns which ones were tied.
 */
export function pickWithTies(candidates, standardErrors, leader) {
  const best = candidates[leader].score;
  const tied = candidates
    .map((c, i) => ({ c, i }))
    .filter(({ c, i }) => i === leader || best - c.score <= TIE_STANDARD_ERRORS * standardErrors[i] + 1e-9)
    .map(({ i }) => i);
  const pick = tied.reduce((a, b) => {
    const x = candidates[a];
    const y = candidates[b];
    if (Math.abs(x.meanFprAt95Tpr - y.meanFprAt95Tpr) > 1e-9) return y.meanFprAt95Tpr < x.meanFprAt95Tpr ? b : a;
    return y.microsecondsPerRow < x.microsecondsPerRow ? b : a;
  });
  return { pick, tied };
}
