// The rule for `--method auto`: "pick by mean AUROC (ties by FPR@95, then latency)". A tie means a
// difference the validation data cannot resolve: a candidate ties the leader when the leader's lead over it is
// at most one standard error of that lead, measured by a paired bootstrap over the validation rows (Efron &
// Tibshirani, "An Introduction to the Bootstrap", 1993, ch. 6 and 16). One standard error is the conventional
// resolution of a model-selection estimate (the one-standard-error rule, Breiman et al., "Classification and
// Regression Trees", 1984, §3.4.3; Hastie, Tibshirani & Friedman, "The Elements of Statistical Learning", 2nd
// ed., §7.10). Among the tied, the lowest mean FPR@95%TPR wins, then the fastest.
//
// The resampled unit is a validation row: synthetic row i of every synthetic set is made from validation row i
// (validation-sets.ts), so one draw weighs the ID rows and every synthetic set's rows alike, and every candidate
// is scored on the same draws (paired). A user's `--ood-val` set is drawn on its own.
import { seededRandom } from '../split.js';

/** Bootstrap resamples; 200 put the standard error within about 5% of its value (Efron & Tibshirani, §6.4). */
export const TIE_RESAMPLES = 200;
/** The resolution: a lead within this many standard errors is a tie. */
export const TIE_STANDARD_ERRORS = 1;

/** One validation OOD set as the bootstrap sees it. */
export interface TieSet {
  reach?: 'near' | 'far';
  count: number;
}

/** Row weights of every draw: `id[b]` for the validation rows, `ood[b][s]` for set s. */
export interface BootstrapDraws {
  id: Uint16Array[];
  ood: Uint16Array[][];
}

/** Seeded draws: validation rows with replacement (synthetic sets follow them), user sets drawn apart. */
export function drawBootstrap(
  idCount: number,
  sets: readonly TieSet[],
  seed: number,
  resamples = TIE_RESAMPLES,
): BootstrapDraws {
  const random = seededRandom(seed ^ 0x5bd1e995);
  const draw = (n: number) => {
    const w = new Uint16Array(n);
    for (let i = 0; i < n; i++) w[Math.floor(random() * n)]!++;
    return w;
  };
  const draws: BootstrapDraws = { id: [], ood: [] };
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
export function bootstrapAuroc(
  id: ArrayLike<number>,
  ood: ArrayLike<number>,
  idWeights: readonly Uint16Array[],
  oodWeights: readonly Uint16Array[],
): Float64Array {
  const n = id.length + ood.length;
  const value = (i: number) => (i < id.length ? id[i]! : ood[i - id.length]!);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => value(a) - value(b));
  const out = new Float64Array(idWeights.length);
  for (let b = 0; b < idWeights.length; b++) {
    const wi = idWeights[b]!;
    const wo = oodWeights[b]!;
    let below = 0; // OOD weight strictly below the current group of equal values
    let area = 0;
    let totalId = 0;
    for (let start = 0; start < n;) {
      let end = start;
      let groupId = 0;
      let groupOod = 0;
      const v = value(order[start]!);
      while (end < n && value(order[end]!) === v) {
        const r = order[end]!;
        if (r < id.length) groupId += wi[r]!;
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

/** A ranked candidate as the tie rule reads it. */
export interface TieCandidate {
  score: number;
  meanFprAt95Tpr: number;
  microsecondsPerRow: number;
  /** Raw scores of the validation rows and of each validation OOD set's rows. */
  scores: { id: ArrayLike<number>; ood: ArrayLike<number>[] };
}

/**
 * The standard error of the leader's lead over each candidate (0 for the leader itself), from the same draws:
 * `combine` turns one draw's per-set AUROCs into the ranking score (validationScore).
 */
export function leadStandardErrors(
  candidates: readonly TieCandidate[],
  leader: number,
  sets: readonly TieSet[],
  draws: BootstrapDraws,
  combine: (aurocs: number[]) => number,
): number[] {
  const perDraw = candidates.map((c) => {
    const bySet = sets.map((_, s) =>
      bootstrapAuroc(
        c.scores.id,
        c.scores.ood[s]!,
        draws.id,
        draws.ood.map((d) => d[s]!),
      ),
    );
    return Float64Array.from(draws.id, (_, b) => combine(bySet.map((x) => x[b]!)));
  });
  const lead = perDraw[leader]!;
  return perDraw.map((c) => {
    const d = Array.from(lead, (v, b) => v - c[b]!).filter(Number.isFinite);
    if (d.length < 2) return 0;
    const m = d.reduce((a, x) => a + x, 0) / d.length;
    return Math.sqrt(d.reduce((a, x) => a + (x - m) ** 2, 0) / (d.length - 1));
  });
}

/**
 * The pick among candidates ranked by score (index 0 leads): those whose gap to the leader is within
 * TIE_STANDARD_ERRORS standard errors tie; among them the lowest mean FPR@95%TPR, then the fastest.
 * Returns the pick's index and the tied indices.
 */
export function pickWithTies(
  ranked: readonly TieCandidate[],
  sets: readonly TieSet[],
  seed: number,
  combine: (aurocs: number[]) => number,
): { pick: number; tied: number[]; standardErrors: number[] } {
  const draws = drawBootstrap(ranked[0]!.scores.id.length, sets, seed);
  const standardErrors = leadStandardErrors(ranked, 0, sets, draws, combine);
  const best = ranked[0]!.score;
  const tied = ranked
    .map((c, i) => ({ c, i }))
    .filter(({ c, i }) => i === 0 || best - c.score <= TIE_STANDARD_ERRORS * standardErrors[i]! + 1e-9)
    .map(({ i }) => i);
  const pick = tied.reduce((a, b) => {
    const x = ranked[a]!;
    const y = ranked[b]!;
    if (Math.abs(x.meanFprAt95Tpr - y.meanFprAt95Tpr) > 1e-9) return y.meanFprAt95Tpr < x.meanFprAt95Tpr ? b : a;
    return y.microsecondsPerRow < x.microsecondsPerRow ? b : a;
  });
  return { pick, tied, standardErrors };
}
