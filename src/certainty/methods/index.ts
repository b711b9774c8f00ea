// The catalogue of scoring methods `ood enable --method` accepts.
import { OodError } from '../../errors.js';
import type { ScoreMethod } from './method.js';
import { energy } from './energy.js';
import { msp } from './msp.js';
import { maxlogit } from './maxlogit.js';

export type { ScoreMethod } from './method.js';

/** Every method, in the order help lists them. */
export const METHODS: readonly ScoreMethod[] = [energy, msp, maxlogit];

export const METHOD_NAMES = METHODS.map((m) => m.name) as readonly string[];

/** Look a method up by name; unknown names are a usage error that lists the known ones. */
export function getMethod(name: string): ScoreMethod {
  const method = METHODS.find((m) => m.name === name);
  if (!method) {
    throw new OodError('UNKNOWN_METHOD', `unknown scoring method "${name}"`, {
      kind: 'usage',
      hint: `Use one of: ${METHOD_NAMES.join(', ')}.`,
    });
  }
  return method;
}
