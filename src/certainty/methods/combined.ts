// Two feature methods combined into one score: each part's raw score goes through its own in-distribution CDF
// (normalize-cdf.ts, with tails), and the score is the sum of the logs of the two levels, log F_a(s_a) +
// log F_b(s_b): the log of the product of the two p-values, Fisher's rule for combining independent tests
// (Fisher, "Statistical Methods for Research Workers", 1925; for OOD scores as conformal p-values, Magesh et al.,
// "A Multiple Testing Framework for Out-of-Distribution Detection", 2022). The parts are not independent, so
// the sum is a ranking, not a p-value; enable's calibration makes it one again. It pays where no single
// method is strong everywhere: a covariance or boundary method (mahalanobis, rmds, vim, fdbd) that catches
// new classes of the same domain, with knn, which catches a change of domain. A sample is in-distribution
// only if both parts say so.
//
// Honest levels: the parts are fitted on 75% of the fit rows and their CDFs on the other 25% (seeded, stratified
// by predicted class), since a fitted row scores like no new input (a knn bank row is its own neighbour). Enable
// then calibrates the combined score on the calibration rows, which neither step saw.
import type { FeatureMethod, FittedFeatureScore } from './feature-method.js';
import { asScoreMethod } from './feature-method.js';
import { buildCdfMap, cdfKnots, type CdfKnots } from '../normalize-cdf.js';
import { splitRows } from '../split.js';
import { subsetSample } from '../features/collect-features.js';

/** The separator of a combination's name: `knn+fdbd`. */
export const COMBINATION_SEPARATOR = '+';

/** Share of the fit rows the parts' CDFs are estimated on (the rest fits the parts). */
export const COMBINATION_LEVEL_SHARE = 0.25;
export const COMBINATION_SEED = 20261202;

/** A level below this (float32 denormals, or a tail at -inf) counts as it, so that the log stays finite. */
const LEVEL_FLOOR = 1e-30;

/** The combination of `first` and `second`, named `first+second`. */
export function combinedMethod(first: FeatureMethod, second: FeatureMethod): FeatureMethod {
  return {
    name: `${first.name}${COMBINATION_SEPARATOR}${second.name}`,
    summary: `sum of the log in-distribution CDF levels of ${first.name} and ${second.name} (Fisher's combination)`,
    paper: 'Fisher 1925; parts as cited in their own files',
    needsLinearHead: first.needsLinearHead === true || second.needsLinearHead === true,
    async fit(sample, options, context) {
      if (!context.scoreRows) throw new Error(`internal: ${first.name}+${second.name} was fitted without scoreRows`);
      const split = splitRows(
        sample.predictions,
        { fit: 1 - COMBINATION_LEVEL_SHARE, calibration: COMBINATION_LEVEL_SHARE, validation: 0 },
        COMBINATION_SEED,
      );
      const fitRows = subsetSample(sample, split.fit);
      const levelRows = subsetSample(sample, split.calibration);
      const parts: { method: FeatureMethod; fitted: FittedFeatureScore; knots: CdfKnots }[] = [];
      for (const method of [first, second]) {
        const fitted = await method.fit(fitRows, options, context);
        const raw = await context.scoreRows(asScoreMethod(method, fitted, context.features), levelRows);
        parts.push({ method, fitted, knots: cdfKnots(Float64Array.from(raw).sort()) });
      }
      const parameters: FittedFeatureScore['parameters'] = {
        combination: 'log CDF sum',
        fitRows: fitRows.count,
        levelRows: levelRows.count,
      };
      for (const { method, fitted } of parts)
        for (const [key, value] of Object.entries(fitted.parameters)) parameters[`${method.name}.${key}`] = value;
      return {
        parameters,
        build(b, f, out, logits) {
          const floor = b.floats('combination_level_floor', [], [LEVEL_FLOOR]);
          const logs = parts.map(({ method, fitted, knots }) => {
            const raw = b.fresh(`${method.name}_raw`);
            fitted.build(b, f, raw, logits);
            const level = b.fresh(`${method.name}_level`);
            buildCdfMap(b, raw, knots, level);
            return b.op('Log', [b.binary('Max', level, floor)]);
          });
          b.binary('Add', logs[0]!, logs[1]!, out);
        },
      };
    },
  };
}
