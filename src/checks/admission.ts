// The admission gate (issue 18): push, serve, verify, export and image open an artifact only after the checks of
// introspect that decide whether its bytes can be trusted at all: the categories archive, files, integrity and
// runtime. What introspect would FAIL there is refused with introspect's own check key and message, so the two
// never disagree. `ignoreChecks` overrides only what a user may knowingly accept (a hash that differs, a runtime
// range that does not match); never archive safety, missing files, or anything that reaches outside the artifact.
import { OodError } from '../errors.js';
import { CATALOGUE } from './catalogue.js';
import { openArtifact, type ArtifactReader } from '../artifact/open.js';
import { runChecks, runChecksOn, type RunChecksOptions } from './run-checks.js';
import type { CheckOutcome, IntrospectReport } from './types.js';

/** The categories whose FAILED the gate refuses. */
export const ADMISSION_CATEGORIES: readonly string[] = Object.freeze(['archive', 'files', 'integrity', 'runtime']);

/**
 * The checks whose FAILED a user may accept with `--ignore-check KEY`: the artifact is then still self-contained
 * and readable, only not what it claims to be (a digest, an unlisted file) or built for another runtime. Archive
 * safety, files.mandatory and runtime.parse/schema/consistency (runtime.yaml broken, or an entrypoint outside the
 * artifact) are never in this list.
 */
export const IGNORABLE_CHECKS: readonly string[] = Object.freeze([
  'integrity.manifest',
  'integrity.hashes',
  'integrity.unlisted',
  'runtime.node',
  'runtime.onnxruntime',
]);

const ADMISSION_KEYS = CATALOGUE.filter((c) => ADMISSION_CATEGORIES.includes(c.category)).map((c) => c.key);

export interface AdmissionOptions extends Pick<RunChecksOptions, 'limits' | 'tempRoot'> {
  /** Check keys whose FAILED is accepted (push --ignore-check); each must be in IGNORABLE_CHECKS. */
  ignoreChecks?: readonly string[];
  /** The command asking, for the message ("push", "serve"). */
  command: string;
}

/** What the gate let through: the report of the checks it ran, and the failures the user chose to ignore. */
export interface Admission {
  report: IntrospectReport;
  overridden: CheckOutcome[];
}

/** Whether check `key` ran and passed (e.g. to trust the digests it verified). */
export function admissionPassed(admission: Admission, key: string): boolean {
  return admission.report.checks.some((c) => c.key === key && c.result === 'PASSED');
}

/** Refuse (exit 2) an --ignore-check key that is unknown or may never be ignored, before any work is done. */
export function checkIgnorable(keys: readonly string[]): void {
  const bad = keys.filter((k) => !IGNORABLE_CHECKS.includes(k));
  if (bad.length === 0) return;
  const never = bad.filter((k) => ADMISSION_KEYS.includes(k));
  throw new OodError(
    'CHECK_NOT_IGNORABLE',
    bad.map((k) => `--ignore-check ${k}: ${explainNotIgnorable(k, never)}`).join('\n'),
    { hint: `Only these checks can be ignored: ${IGNORABLE_CHECKS.join(', ')}.`, details: { keys: bad } },
  );
}

function explainNotIgnorable(key: string, never: string[]): string {
  if (never.includes(key)) return 'this check guards archive safety or what runs, and is never ignored';
  if (CATALOGUE.some((c) => c.key === key)) return 'not an admission check (push does not run it)';
  return 'no such check';
}

/** Run the admission checks on `path`; throw ARTIFACT_REFUSED (exit 4) listing every failure not ignored. */
export async function admitArtifact(path: string, options: AdmissionOptions): Promise<Admission> {
  checkIgnorable(options.ignoreChecks ?? []);
  const report = await runChecks(path, {
    only: ADMISSION_KEYS,
    limits: options.limits,
    tempRoot: options.tempRoot,
    extractModel: false,
  });
  return judge(report, path, options);
}

/**
 * Open an artifact for running it (serve, verify): the admission checks run on the very reader returned, so the
 * bytes hashed are the bytes extracted and run, and model.onnx is extracted while it is hashed (one read). What
 * the gate refuses is closed again, its temporary files removed, before the error is thrown.
 */
export async function openAdmitted(
  path: string,
  options: AdmissionOptions,
): Promise<{ reader: ArtifactReader; admission: Admission }> {
  checkIgnorable(options.ignoreChecks ?? []);
  const reader = await openArtifact(path, { limits: options.limits, tempRoot: options.tempRoot });
  try {
    const report = await runChecksOn(reader, path, { only: ADMISSION_KEYS, extractModel: true });
    return { reader, admission: judge(report, path, options) };
  } catch (err) {
    await reader.close();
    throw err;
  }
}

function judge(report: IntrospectReport, path: string, options: AdmissionOptions): Admission {
  const ignore = options.ignoreChecks ?? [];
  const failed = report.checks.filter((c) => c.result === 'FAILED');
  const overridden = failed.filter((c) => ignore.includes(c.key));
  const refused = failed.filter((c) => !overridden.includes(c));
  if (refused.length === 0) return { report, overridden };
  const ignorable = refused.filter((c) => IGNORABLE_CHECKS.includes(c.key)).map((c) => c.key);
  const allIgnorable = ignorable.length === refused.length;
  throw new OodError(
    'ARTIFACT_REFUSED',
    `${options.command} refuses ${path}, which introspect fails:\n` +
      refused.map((c) => `  ${c.key}: ${c.message}`).join('\n'),
    {
      hint:
        `${refused[0]!.hint ?? 'Rebuild it with `ood prepare`.'} Run \`ood introspect ${path}\` for the full report.` +
        (allIgnorable && options.command === 'push'
          ? ` To push it anyway, pass ${ignorable.map((k) => `--ignore-check ${k}`).join(' ')}.`
          : ''),
      details: { failed: refused.map((c) => ({ key: c.key, message: c.message })) },
    },
  );
}
