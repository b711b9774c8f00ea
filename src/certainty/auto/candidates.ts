// The candidates `--method auto` measures: every method with a small grid over its main hyperparameter
// (OpenOOD v1.5's search spaces, scaled to the model's feature width), limited to what the model allows: logit
// methods always; feature methods when ood found the penultimate features; methods that recompute or read the
// final layer only when that layer is a Gemm/MatMul head; knn on the layer before the penultimate one too, when
// the network has one; and knn (on either layer) combined with each near-OOD method.
import type { FeatureFitOptions } from '../methods/feature-method.js';
import { defaultPrincipalDim } from '../methods/vim.js';

/** One configuration to fit and measure. */
export interface Candidate {
  method: string;
  /** Logit methods: GEN's γ. */
  gamma?: number;
  fit?: FeatureFitOptions;
  /** How the table names it, e.g. `knn k=10`. */
  label: string;
}

export interface CandidateScope {
  features: boolean;
  head: boolean;
  dim: number;
  /** Rows the feature methods are fitted on (bounds knn's k). */
  fitRows: number;
  /** Whether the input of the linear layer before the features was collected (findPreviousLayer). */
  previous?: boolean;
}

/** knn's k on the previous layer, alone and in combinations. */
const PREVIOUS_LAYER_K = [1, 10];

/** The candidate list, in a stable order. */
export function listCandidates(scope: CandidateScope): Candidate[] {
  const list: Candidate[] = [
    { method: 'energy', label: 'energy' },
    { method: 'msp', label: 'msp' },
    { method: 'maxlogit', label: 'maxlogit' },
    ...[0.01, 0.1, 0.5].map((gamma) => ({ method: 'gen', gamma, label: `gen γ=${gamma}` })),
  ];
  if (!scope.features) return list;
  list.push({ method: 'mahalanobis', label: 'mahalanobis' }, { method: 'rmds', label: 'rmds' });
  for (const k of [1, 5, 10, 50].filter((k) => k <= Math.min(scope.fitRows, 1024)))
    list.push({ method: 'knn', fit: { k }, label: `knn k=${k}` });
  if (scope.previous)
    for (const k of PREVIOUS_LAYER_K.filter((k) => k <= Math.min(scope.fitRows, 1024)))
      list.push({ method: 'knn', fit: { k, layer: 'previous' }, label: `knn k=${k} previous layer` });
  if (!scope.head) return [...list, ...combinations(scope)];
  const dims = new Set([Math.floor(scope.dim / 4), defaultPrincipalDim(scope.dim), Math.floor((3 * scope.dim) / 4)]);
  for (const d of [...dims].filter((d) => d >= 1 && d < scope.dim).sort((a, b) => a - b))
    list.push({ method: 'vim', fit: { principalDim: d }, label: `vim D=${d}` });
  for (const p of [85, 90, 95])
    list.push({ method: 'react-energy', fit: { clipPercentile: p }, label: `react p=${p}` });
  for (const p of [65, 85, 95]) list.push({ method: 'scale', fit: { shapePercentile: p }, label: `scale p=${p}` });
  for (const p of [65, 80, 90]) list.push({ method: 'ash', fit: { shapePercentile: p }, label: `ash p=${p}` });
  list.push({ method: 'fdbd', label: 'fdbd' });
  return [...list, ...combinations(scope)];
}

/**
 * knn (strong on a change of domain) combined with each method that is strong on new classes of the same
 * domain (combined.ts). knn's k from the two smallest of its grid: combinations win through knn's sharpest
 * neighbourhoods.
 */
function combinations(scope: CandidateScope): Candidate[] {
  const partners = ['mahalanobis', 'rmds', ...(scope.head ? ['vim', 'fdbd'] : [])];
  const fits = (k: number) => k <= Math.min(Math.floor(scope.fitRows * 0.75), 1024);
  const penultimate = [1, 5]
    .filter(fits)
    .flatMap((k) => partners.map((p) => ({ method: `knn+${p}`, fit: { k }, label: `knn k=${k} + ${p}` })));
  const previous = scope.previous
    ? PREVIOUS_LAYER_K.filter(fits).flatMap((k) =>
        partners.map((p) => ({
          method: `knn+${p}`,
          fit: { k, layer: 'previous' as const },
          label: `knn k=${k} previous layer + ${p}`,
        })),
      )
    : [];
  return [...penultimate, ...previous];
}

/** The `ood enable` flags that build this candidate without auto, e.g. `--method knn+fdbd --knn-k 1`. */
export function candidateFlags(candidate: Candidate): string {
  const flags = [`--method ${candidate.method}`];
  if (candidate.gamma !== undefined) flags.push(`--gen-gamma ${candidate.gamma}`);
  const fit = candidate.fit ?? {};
  if (fit.k !== undefined) flags.push(`--knn-k ${fit.k}`);
  if (fit.layer === 'previous') flags.push('--knn-layer previous');
  if (fit.principalDim !== undefined) flags.push(`--vim-dim ${fit.principalDim}`);
  if (fit.clipPercentile !== undefined) flags.push(`--react-percentile ${fit.clipPercentile}`);
  if (fit.shapePercentile !== undefined) flags.push(`--shape-percentile ${fit.shapePercentile}`);
  return flags.join(' ');
}
