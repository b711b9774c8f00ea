// Relative Mahalanobis distance (Ren et al., "A Simple Fix to Mahalanobis Distance for Improving Near-OOD
// Detection", arXiv:2106.09022, 2021): the class-conditional Mahalanobis distance minus that of one background
// Gaussian fitted to all in-distribution features, RMD_c(f) = MD_c(f) − MD_0(f); score = −min_c RMD_c(f). The
// background term removes the part of the distance that every class shares (e.g. distance from the data's
// centre), which is what makes near-OOD inputs look far. Higher means more in-distribution.
import type { FeatureMethod } from './feature-method.js';
import { DEFAULT_RIDGE, fitClassDistances } from './mahalanobis.js';

/** In the graph: ReduceMax(−(d − d_0)) with d [batch, C] and d_0 [batch, 1] built as in mahalanobis.ts. */
export const rmds: FeatureMethod = {
  name: 'rmds',
  summary: '−min over classes of the relative Mahalanobis distance (class minus background Gaussian)',
  paper: 'Ren et al., arXiv:2106.09022',
  fit(sample, options) {
    const ridge = options.ridge ?? DEFAULT_RIDGE;
    const perClass = fitClassDistances(sample.features, sample.dim, sample.predictions, ridge);
    const background = fitClassDistances(sample.features, sample.dim, new Int32Array(sample.count), ridge);
    return {
      parameters: {
        classes: perClass.classes,
        dim: sample.dim,
        samples: sample.count,
        ridge,
        shrinkage: perClass.shrinkage,
        backgroundShrinkage: background.shrinkage,
      },
      build(b, f, out) {
        const relative = b.binary('Sub', perClass.build(b, f), background.build(b, f));
        b.reduce('ReduceMax', b.op('Neg', [relative]), [1], true, out);
      },
    };
  },
};
