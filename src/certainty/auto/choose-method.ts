// `--method auto`: choose the scoring method, and its main hyperparameter, by measuring. Every candidate
// (candidates.ts) is fitted on the fit rows, scored on the validation rows against each validation OOD set,
// and ranked by validationScore (mean AUROC, near- and far-OOD synthetic sets weighed apart). The candidates
// whose score trails the leader's by at most one bootstrap standard error tie with it (tie-rule.ts); among them
// the lowest mean FPR@95%TPR wins, then the measured time per row. The table of every candidate tried is
// returned for printing and for the metadata (ood.auto).
import { isOodError } from '../../errors.js';
import { separationMetrics } from '../separation-metrics.js';
import { findFeatureMethod, getMethod } from '../methods/index.js';
import { genMethod } from '../methods/gen.js';
import type { ScoreMethod } from '../methods/method.js';
import { asScoreMethod, type FeatureContext } from '../methods/feature-method.js';
import type { FeatureSample } from '../features/collect-features.js';
import { candidateFlags, listCandidates, type Candidate } from './candidates.js';
import { scoreBranch, type BranchSource } from './branch-scores.js';
import type { ValidationSet } from './validation-sets.js';
import { pickWithTies } from './tie-rule.js';
import { DEFAULT_SPLIT_SEED } from '../split.js';

/** One row of the candidates table. */
export interface CandidateResult {
  label: string;
  method: string;
  parameters: Record<string, number | string | number[]>;
  meanAuroc: number;
  /** What auto ranks by (validationScore): mean AUROC with near- and far-OOD synthetic sets weighed. */
  score: number;
  meanFprAt95Tpr: number;
  /** Per validation OOD set. */
  sets: Record<string, { auroc: number; fprAt95Tpr: number }>;
  microsecondsPerRow: number;
  /** Whether its score is within one bootstrap standard error of the best (tie-rule.ts). */
  tied?: boolean;
  /** Why the candidate could not be fitted (it is then not ranked). */
  error?: string;
}

/** What ood.auto records. */
export interface AutoRecord {
  chosen: string;
  /** The `ood enable` flags that give the chosen candidate without auto (fitted then on its 70% split, not 60%). */
  chosenFlags: string;
  criterion: string;
  validationRows: number;
  oodSets: { name: string; samples: number }[];
  candidates: CandidateResult[];
}

/** A fitted candidate, ready for enable's score graph. */
export interface FittedCandidate {
  candidate: Candidate;
  scoreMethod: ScoreMethod;
  parameters: Record<string, number | string | number[]>;
}

/** How much the near-OOD synthetic sets weigh against the far ones. */
export const NEAR_WEIGHT = 0.5;

export const AUTO_CRITERION = `score (mean AUROC over the validation OOD sets; synthetic near-OOD sets weigh ${NEAR_WEIGHT}, far-OOD ones ${1 - NEAR_WEIGHT}); scores within one paired-bootstrap standard error of the best tie, and the tied go by mean FPR@95%TPR, then time per row`;

/**
 * The figure auto ranks by: the mean AUROC over the sets, where synthetic sets are first averaged within their
 * reach and near counts NEAR_WEIGHT; sets without a reach (the user's) count alike, one each.
 */
export function validationScore(sets: readonly { reach?: 'near' | 'far'; auroc: number }[]): number {
  const near = sets.filter((s) => s.reach === 'near').map((s) => s.auroc);
  const far = sets.filter((s) => s.reach === 'far').map((s) => s.auroc);
  const other = sets.filter((s) => s.reach === undefined).map((s) => s.auroc);
  if (near.length === 0 || far.length === 0) return mean(sets.map((s) => s.auroc));
  const synthetic = NEAR_WEIGHT * mean(near) + (1 - NEAR_WEIGHT) * mean(far);
  return other.length === 0 ? synthetic : (synthetic + other.length * mean(other)) / (1 + other.length);
}

/** Fit one candidate on `fit` rows. */
export async function fitCandidate(
  candidate: Candidate,
  fit: FeatureSample,
  context: FeatureContext | undefined,
): Promise<FittedCandidate> {
  const feature = findFeatureMethod(candidate.method);
  if (!feature) {
    const scoreMethod = candidate.method === 'gen' ? genMethod(candidate.gamma) : getMethod(candidate.method);
    return { candidate, scoreMethod, parameters: { ...(scoreMethod.parameters ?? {}) } };
  }
  const fitted = await feature.fit(fit, candidate.fit ?? {}, context!);
  return { candidate, scoreMethod: asScoreMethod(feature, fitted, context!.features), parameters: fitted.parameters };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Measure every candidate; returns the table (ranked, failures last) and the winner, fitted. */
export async function chooseMethod(
  source: BranchSource,
  fit: FeatureSample,
  validation: FeatureSample,
  oodSets: readonly ValidationSet[],
  context: FeatureContext | undefined,
  seed = DEFAULT_SPLIT_SEED,
): Promise<{ record: AutoRecord; chosen: FittedCandidate }> {
  const candidates = listCandidates({
    features: source.features !== undefined,
    head: context?.linearHead !== undefined,
    dim: fit.dim,
    fitRows: fit.count,
    previous: fit.previous !== undefined && context?.previousFeatures !== undefined,
  });
  const results: {
    result: CandidateResult;
    fitted?: FittedCandidate;
    scores?: { id: Float32Array; ood: Float32Array[] };
  }[] = [];
  for (const candidate of candidates) {
    let fitted: FittedCandidate;
    try {
      fitted = await fitCandidate(candidate, fit, context);
    } catch (err) {
      if (!isOodError(err)) throw err;
      results.push({ result: failed(candidate, err.message) });
      continue;
    }
    const { scores, secondsPerRow } = await scoreBranch(source, fitted.scoreMethod, 1, [
      validation,
      ...oodSets.map((s) => s.outputs),
    ]);
    const [id, ...ood] = scores;
    const sets: CandidateResult['sets'] = {};
    oodSets.forEach((s, i) => {
      const m = separationMetrics(id!, ood[i]!);
      sets[s.name] = { auroc: m.auroc, fprAt95Tpr: m.fprAt95Tpr };
    });
    const values = Object.values(sets);
    results.push({
      fitted,
      scores: { id: id!, ood: ood as Float32Array[] },
      result: {
        label: candidate.label,
        method: candidate.method,
        parameters: fitted.parameters,
        meanAuroc: mean(values.map((v) => v.auroc)),
        score: validationScore(oodSets.map((s) => ({ reach: s.reach, auroc: sets[s.name]!.auroc }))),
        meanFprAt95Tpr: mean(values.map((v) => v.fprAt95Tpr)),
        sets,
        microsecondsPerRow: secondsPerRow * 1e6,
      },
    });
  }
  const ranked = results
    .filter((r) => r.fitted && Number.isFinite(r.result.score))
    .sort((a, b) => compare(a.result, b.result));
  const rest = results.filter((r) => !ranked.includes(r));
  const { pick, tied } = pickWithTies(
    ranked.map((r) => ({ ...r.result, scores: r.scores! })),
    oodSets.map((s) => ({ reach: s.reach, count: s.outputs.count })),
    seed,
    (aurocs) => validationScore(oodSets.map((s, i) => ({ reach: s.reach, auroc: aurocs[i]! }))),
  );
  for (const i of tied) ranked[i]!.result.tied = true;
  const chosen = ranked[pick]!.fitted!;
  return {
    chosen,
    record: {
      chosen: chosen.candidate.label,
      chosenFlags: candidateFlags(chosen.candidate),
      criterion: AUTO_CRITERION,
      validationRows: validation.count,
      oodSets: oodSets.map((s) => ({ name: s.name, samples: s.outputs.count })),
      candidates: [...ranked, ...rest].map((r) => r.result),
    },
  };
}

/** The table's order: higher score first; then lower FPR@95; then faster. */
function compare(a: CandidateResult, b: CandidateResult): number {
  if (Math.abs(a.score - b.score) > 1e-9) return b.score - a.score;
  if (Math.abs(a.meanFprAt95Tpr - b.meanFprAt95Tpr) > 1e-9) return a.meanFprAt95Tpr - b.meanFprAt95Tpr;
  return a.microsecondsPerRow - b.microsecondsPerRow;
}

function failed(candidate: Candidate, error: string): CandidateResult {
  return {
    label: candidate.label,
    method: candidate.method,
    parameters: {},
    meanAuroc: Number.NaN,
    score: Number.NaN,
    meanFprAt95Tpr: Number.NaN,
    sets: {},
    microsecondsPerRow: Number.NaN,
    error,
  };
}
