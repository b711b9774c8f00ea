// ViM, virtual-logit matching (Wang, Li, Feng & Zhang, "ViM: Out-Of-Distribution with Virtual-logit Matching",
// CVPR 2022). With the final layer logits = W·f + b, features are taken relative to the origin u = −W⁺·b; the
// principal subspace P of their in-distribution second moment (its D largest eigenvectors) holds what the
// classifier uses, and the residual ‖(f − u)·R‖ (R the remaining eigenvectors) is what it ignores. The residual,
// scaled by α = mean max-logit / mean residual on the fit data, becomes a virtual logit; ViM's score is
// logsumexp(logits) − α·‖(f − u)·R‖, the energy minus the virtual logit. Higher means more in-distribution.
import { OodError } from '../../errors.js';
import type { FeatureMethod } from './feature-method.js';
import { requireLinearHead, rowSquaredNorm } from './feature-method.js';
import { pseudoInverseSolve, symmetricEigen } from '../features/spectral.js';

/** The paper's choice: D = 1000 for features of 1536 or more dimensions, else half the features (512 of 1024). */
export function defaultPrincipalDim(dim: number): number {
  return dim >= 1536 ? 1000 : Math.max(1, Math.floor(dim / 2));
}

/** In the graph: Sub, MatMul, Mul, Sqrt, ReduceLogSumExp (axes attribute before opset 18) and Sub. */
export const vim: FeatureMethod = {
  name: 'vim',
  summary: 'energy minus the scaled norm of the features outside their principal subspace (ViM)',
  paper: 'Wang et al., CVPR 2022',
  needsLinearHead: true,
  fit(sample, options, context) {
    const head = requireLinearHead('vim', context);
    const { features, dim, count } = sample;
    const principal = options.principalDim ?? defaultPrincipalDim(dim);
    if (!Number.isInteger(principal) || principal < 1 || principal >= dim)
      throw new OodError('VIM_BAD_DIM', `principal dimension ${principal} must be an integer in [1, ${dim - 1}]`, {
        hint: `Use e.g. --vim-dim ${defaultPrincipalDim(dim)}.`,
      });
    const origin = pseudoInverseSolve(head.weight, head.classes, dim, head.bias).map((v) => -v);
    // Second moment of f − u (the paper centres on u, not on the mean).
    const moment = new Float64Array(dim * dim);
    const x = new Float64Array(dim);
    for (let i = 0; i < count; i++) {
      for (let j = 0; j < dim; j++) x[j] = features[i * dim + j]! - origin[j]!;
      for (let r = 0; r < dim; r++) for (let c = r; c < dim; c++) moment[r * dim + c]! += x[r]! * x[c]!;
    }
    for (let r = 0; r < dim; r++)
      for (let c = r; c < dim; c++) moment[c * dim + r] = moment[r * dim + c] = moment[r * dim + c]! / count;
    const { vectors } = symmetricEigen(moment, dim);
    const rest = dim - principal; // the smallest eigenvalues come first
    const residualBasis = new Float32Array(dim * rest);
    for (let r = 0; r < dim; r++) for (let c = 0; c < rest; c++) residualBasis[r * rest + c] = vectors[r * dim + c]!;
    // α from the fit data: mean max logit over mean residual norm.
    let maxLogits = 0;
    let residuals = 0;
    for (let i = 0; i < count; i++) {
      let best = -Infinity;
      for (let c = 0; c < head.classes; c++) {
        let l = head.bias[c]!;
        for (let j = 0; j < dim; j++) l += head.weight[c * dim + j]! * features[i * dim + j]!;
        best = Math.max(best, l);
      }
      maxLogits += best;
      let norm = 0;
      for (let c = 0; c < rest; c++) {
        let p = 0;
        for (let j = 0; j < dim; j++) p += (features[i * dim + j]! - origin[j]!) * residualBasis[j * rest + c]!;
        norm += p * p;
      }
      residuals += Math.sqrt(norm);
    }
    const alpha = residuals > 0 ? maxLogits / residuals : 0;
    return {
      parameters: { principalDim: principal, alpha, dim, samples: count },
      build(b, f, out, logits) {
        const projected = b.binary(
          'MatMul',
          b.binary('Sub', f, b.floats('vim_origin', [1, dim], origin)),
          b.floats('vim_residual_basis', [dim, rest], residualBasis),
        );
        const virtual = b.binary(
          'Mul',
          b.op('Sqrt', [rowSquaredNorm(b, projected, rest)]),
          b.floats('vim_alpha', [], [alpha]),
        );
        b.binary('Sub', b.reduce('ReduceLogSumExp', logits, [1], true), virtual, out);
      },
    };
  },
};
