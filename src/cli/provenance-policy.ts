// --require-provenance and OOD_REQUIRE_PROVENANCE: the one switch that turns provenance from information into
// policy (docs/introspect.md, "Policy"), shared by the commands that run introspection.
import type { Argv } from 'yargs';
import { OodError } from '../errors.js';

/** Add --require-provenance to a command. */
export function withProvenancePolicy<T>(y: Argv<T>): Argv<T & { 'require-provenance'?: boolean }> {
  return y.option('require-provenance', {
    type: 'boolean',
    describe: 'FAIL a missing git commit or a dirty tree instead of warning (env OOD_REQUIRE_PROVENANCE=1)',
  });
}

/** The flag when given (either way), else OOD_REQUIRE_PROVENANCE: 1/true/yes or 0/false/no; unset is off. */
export function requireProvenance(flag: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  if (flag !== undefined) return flag;
  const value = (env.OOD_REQUIRE_PROVENANCE ?? '').trim().toLowerCase();
  if (value === '' || value === '0' || value === 'false' || value === 'no') return false;
  if (value === '1' || value === 'true' || value === 'yes') return true;
  throw new OodError('BAD_OPTION', `OOD_REQUIRE_PROVENANCE must be 1 or 0, got "${env.OOD_REQUIRE_PROVENANCE}"`, {
    hint: 'Set OOD_REQUIRE_PROVENANCE=1 to require provenance, or unset it.',
  });
}
