// The catalogue of scoring methods `ood enable --method` accepts.
import { OodError } from '../../errors.js';
import type { ScoreMethod } from './method.js';
import { energy } from './energy.js';
import { msp } from './msp.js';
import { maxlogit } from './maxlogit.js';
import type { FeatureMethod } from './feature-method.js';
import { mahalanobis } from './mahalanobis.js';
import { knn } from './knn.js';
import { reactEnergy } from './react-energy.js';
import { gen } from './gen.js';
import { vim } from './vim.js';
import { rmds } from './rmds.js';
import { scale } from './scale.js';
import { ash } from './ash.js';
import { fdbd } from './fdbd.js';
import { COMBINATION_SEPARATOR, combinedMethod } from './combined.js';

export type { ScoreMethod } from './method.js';

/** Every method, in the order help lists them. */
export const METHODS: readonly ScoreMethod[] = [energy, msp, maxlogit, gen];

/** Feature-space methods: fitted on the penultimate features of the calibration data (feature-method.ts). */
export const FEATURE_METHODS: readonly FeatureMethod[] = [mahalanobis, rmds, knn, vim, reactEnergy, scale, ash, fdbd];

export const METHOD_NAMES = [...METHODS, ...FEATURE_METHODS].map((m) => m.name) as readonly string[];

/** The feature-space method called `name`, if it is one; `a+b` is the combination of two (combined.ts). */
export function findFeatureMethod(name: string | undefined): FeatureMethod | undefined {
  const parts = name?.split(COMBINATION_SEPARATOR) ?? [];
  if (parts.length === 2) {
    const [first, second] = parts.map((p) => FEATURE_METHODS.find((m) => m.name === p));
    return first && second && first !== second ? combinedMethod(first, second) : undefined;
  }
  return FEATURE_METHODS.find((m) => m.name === name);
}

/** Look a method up by name; unknown names are a usage error that lists the known ones. */
export function getMethod(name: string): ScoreMethod {
  const method = METHODS.find((m) => m.name === name);
  if (!method) {
    throw new OodError('UNKNOWN_METHOD', `unknown scoring method "${name}"`, {
      hint: `Use one of: ${METHOD_NAMES.join(', ')}.`,
    });
  }
  return method;
}
