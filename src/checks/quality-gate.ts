// The checks beyond the admission gate: schemas, model, score, certainty and provenance. Their FAILED does not make
// an artifact unsafe to read, but it is not fit to deploy (a truncated model, an input schema with a bad datatype,
// labels that do not name the classes), so push refuses it too (issue 16: "push runs introspect first and refuses
// an artifact with a FAILED check unless --force"), with introspect's own key and message. A user who knows better
// overrides one by name (--ignore-check KEY) or all of them (--force); each override is reported back as a warning.
// --force never reaches the admission categories (admission.ts): archive safety, missing files, what runs.
import { OodError } from '../errors.js';
import type { CheckOutcome, IntrospectReport } from './types.js';

/** A FAILED check the user let through, and how: naming it (--ignore-check) or all at once (--force). */
export type OverriddenCheck = CheckOutcome & { override: 'ignore-check' | 'force' };

/** One report from two runs over disjoint keys: each check's outcome from the run that selected it. */
export function mergeReports(gate: IntrospectReport, rest: IntrospectReport): IntrospectReport {
  const ran = (c: CheckOutcome) => !(c.result === 'SKIPPED' && c.message === 'not selected');
  const checks = gate.checks.map((c, i) => (ran(c) ? c : rest.checks[i]!));
  const count = (r: string) => checks.filter((c) => c.result === r).length;
  return {
    ...gate,
    ok: count('FAILED') === 0,
    summary: { passed: count('PASSED'), failed: count('FAILED'), warning: count('WARNING'), skipped: count('SKIPPED') },
    checks,
  };
}

/**
 * The checks among `keys` (admission.ts's QUALITY_KEYS) that FAILED in `report`, each overridden by
 * --ignore-check KEY or --force; throws ARTIFACT_REFUSED (exit 4) naming every failure that neither overrides.
 */
export function judgeQuality(
  report: IntrospectReport,
  keys: readonly string[],
  path: string,
  options: { command: string; ignoreChecks?: readonly string[]; force?: boolean },
): OverriddenCheck[] {
  const failed = report.checks.filter((c) => c.result === 'FAILED' && keys.includes(c.key));
  const named = (c: CheckOutcome) => (options.ignoreChecks ?? []).includes(c.key);
  const refused = options.force ? [] : failed.filter((c) => !named(c));
  if (refused.length > 0)
    throw refusal(
      options.command,
      path,
      refused,
      ` To ${options.command} it anyway, pass --force (each failure is then printed as a warning) or ` +
        `${refused.map((c) => `--ignore-check ${c.key}`).join(' ')}.`,
    );
  return failed.map((c) => ({ ...c, override: named(c) ? 'ignore-check' : 'force' }));
}

/** ARTIFACT_REFUSED (exit 4) for `refused`, in introspect's words: each key and message, the first one's hint. */
export function refusal(command: string, path: string, refused: readonly CheckOutcome[], hintTail: string): OodError {
  return new OodError(
    'ARTIFACT_REFUSED',
    `${command} refuses ${path}, which introspect fails:\n` + refused.map((c) => `  ${c.key}: ${c.message}`).join('\n'),
    {
      hint:
        `${refused[0]!.hint ?? 'Rebuild it with `ood prepare`.'} Run \`ood introspect ${path}\` for the full report.` +
        hintTail,
      details: { failed: refused.map((c) => ({ key: c.key, message: c.message })) },
    },
  );
}
