// The one data model of `ood introspect`: the text table and the --json report both render an IntrospectReport.
// JSON Schema: schemas/introspect-report.schema.json (report_version 1.0).

/** The four results of the table's result column. */
export type CheckResult = 'PASSED' | 'FAILED' | 'WARNING' | 'SKIPPED';

/** The categories; a key is `<category>.<name>`. */
export type CheckCategory =
  'archive' | 'files' | 'integrity' | 'runtime' | 'schemas' | 'model' | 'score' | 'certainty' | 'provenance';

/** One catalogue entry: what a check verifies and what it says when that fails. */
export interface CheckDefinition {
  key: string;
  category: CheckCategory;
  description: string;
  /** Headline used when the check fails; the outcome's message adds the specifics. */
  failure: string;
  hint: string;
}

/** What one check found. */
export interface CheckOutcome {
  key: string;
  category: CheckCategory;
  description: string;
  result: CheckResult;
  message: string;
  /** What to do about it; present on FAILED and WARNING. */
  hint?: string;
  /** Every individual problem, sorted, when there are several. */
  problems?: string[];
}

/** The report of one introspection. */
export interface IntrospectReport {
  report_version: '1.0';
  artifact: string;
  source: 'zip' | 'directory';
  ood_version: string;
  /** False when any check FAILED. */
  ok: boolean;
  summary: Record<Lowercase<CheckResult>, number>;
  checks: CheckOutcome[];
}

/** A check's verdict before the runner adds the catalogue fields. */
export interface Verdict {
  result: CheckResult;
  message: string;
  problems?: string[];
}

/** Thrown inside a check when something it depends on is unavailable: the check becomes SKIPPED with `reason`. */
export class SkipCheck extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'SkipCheck';
  }
}

/** Verdict shorthands for check implementations. */
export const passed = (message: string): Verdict => ({ result: 'PASSED', message });
export const warning = (message: string, problems?: string[]): Verdict => ({ result: 'WARNING', message, problems });
export const skipped = (message: string): Verdict => ({ result: 'SKIPPED', message });

/** FAILED when there are problems (message lists them), PASSED with `okMessage` otherwise. */
export function verdictOf(problems: string[], okMessage: string): Verdict {
  if (problems.length === 0) return passed(okMessage);
  const sorted = [...problems].sort();
  return {
    result: 'FAILED',
    message: sorted.length === 1 ? sorted[0]! : `${sorted.length} problems: ${sorted.join('; ')}`,
    problems: sorted,
  };
}
