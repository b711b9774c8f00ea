// The admission gate (issue 18): push, serve, verify, export and image open an artifact only after the checks of
// introspect that decide whether its bytes can be trusted at all: the categories archive, files, integrity and
// runtime. What introspect would FAIL there is refused with introspect's own check key and message, so the two
// never disagree. `ignoreChecks` overrides only what a user may knowingly accept (a hash that differs, a runtime
// range that does not match); never archive safety, missing files, or anything that reaches outside the artifact.
// push and verify also run every other check (`everyCheck`): push refuses their FAILED too (issue 16) unless the
// user forces it or ignores that key (quality-gate.ts); verify reports them among its own checks.
import { OodError } from '../errors.js';
import { ARTIFACT_FILES } from '../artifact/spec.js';
import { CATALOGUE } from './catalogue.js';
import { openArtifact, type ArtifactReader } from '../artifact/open.js';
import { runChecks, runChecksOn, type RunChecksOptions } from './run-checks.js';
import { judgeQuality, mergeReports, refusal, type OverriddenCheck } from './quality-gate.js';
import type { IntrospectReport } from './types.js';

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

/** Every other check (schemas, model, score, certainty, provenance): push refuses their FAILED unless overridden. */
export const QUALITY_KEYS: readonly string[] = Object.freeze(
  CATALOGUE.filter((c) => !ADMISSION_CATEGORIES.includes(c.category)).map((c) => c.key),
);

export interface AdmissionOptions extends Pick<RunChecksOptions, 'limits' | 'tempRoot' | 'requireProvenance'> {
  /** Check keys whose FAILED is accepted (push --ignore-check); each must be in IGNORABLE_CHECKS or QUALITY_KEYS. */
  ignoreChecks?: readonly string[];
  /** The command asking, for the message ("push", "serve"). */
  command: string;
  /** Run every introspect check, not only the admission ones (push refuses their FAILED, verify reports them). */
  everyCheck?: boolean;
  /** Accept every FAILED check outside the admission categories (push --force); never one inside them. */
  force?: boolean;
}

/** What the gate let through: the report of the checks it ran, and the failures the user chose to override. */
export interface Admission {
  report: IntrospectReport;
  overridden: OverriddenCheck[];
}

/** Whether check `key` ran and passed (e.g. to trust the digests it verified). */
export function admissionPassed(admission: Admission, key: string): boolean {
  return admission.report.checks.some((c) => c.key === key && c.result === 'PASSED');
}

/** Refuse (exit 2) an --ignore-check key that is unknown or may never be ignored, before any work is done. */
export function checkIgnorable(keys: readonly string[]): void {
  const bad = keys.filter((k) => !IGNORABLE_CHECKS.includes(k) && !QUALITY_KEYS.includes(k));
  if (bad.length === 0) return;
  const never = bad.filter((k) => ADMISSION_KEYS.includes(k));
  throw new OodError(
    'CHECK_NOT_IGNORABLE',
    bad.map((k) => `--ignore-check ${k}: ${never.includes(k) ? NEVER_IGNORED : 'no such check'}`).join('\n'),
    {
      hint:
        `Only these checks can be ignored: ${IGNORABLE_CHECKS.join(', ')}, and every check outside archive, ` +
        'files, integrity and runtime (`ood introspect --help` lists the keys).',
      details: { keys: bad },
    },
  );
}

const NEVER_IGNORED = 'this check guards archive safety or what runs, and is never ignored';

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

/** A stored entry the gate left for push to hash while uploading it, and what manifest.json says it hashes to. */
export interface StreamedEntry {
  name: string;
  /** Where its bytes lie in the zip: [start, end). */
  start: number;
  end: number;
  /** manifest.json's sha256 (hex): trusted only once confirm() has seen the bytes hash to it. */
  sha256: string;
}

/** What the bytes of a streamed entry turned out to be. */
export interface SeenBytes {
  sha256: string;
  size: number;
  crc32: number;
}

/** An admission that is final only once confirm() has judged the bytes of each `streamed` entry. */
export interface UploadAdmission extends Admission {
  streamed: StreamedEntry[];
  /** Judge a streamed entry's real bytes: the admission, or ARTIFACT_REFUSED exactly as admitArtifact words it. */
  confirm(entry: StreamedEntry, seen: Promise<SeenBytes>): Promise<Admission>;
  /** The final admission, once the checks beyond the gate (everyCheck) are judged too; push awaits it last. */
  settled(): Promise<Admission>;
}

/**
 * The gate for push, reading each byte once. Every admission check runs now, with the large stored payloads
 * (model.onnx and its external data, over `streamAbove` bytes) taken to be what manifest.json records; push hashes
 * them (sha256, size, CRC-32) while it uploads them and confirms each before it commits the blob, and before any
 * manifest or tag. Where the bytes are what manifest.json says, this run is introspect's own; where they are not,
 * confirm() runs the checks again with the real digest and refuses as introspect would. Overrides (--ignore-check)
 * are judged on real digests only, so with them every file is read here first, as admitArtifact does.
 *
 * With everyCheck, the rest of introspect (schemas, model, score, certainty, provenance) runs on a reader of its
 * own beside the gate and the model's upload (it loads the model in onnxruntime, which takes a while on a large
 * one). Nothing is stored before it is judged: with no streamed payload, admitForUpload waits for it; otherwise
 * each streamed blob's confirm() does, and the store commits that blob only then, before anything else goes.
 */
export async function admitForUpload(
  path: string,
  options: AdmissionOptions,
  streamAbove: number,
): Promise<UploadAdmission> {
  checkIgnorable(options.ignoreChecks ?? []);
  const reader = await openArtifact(path, { limits: options.limits, tempRoot: options.tempRoot });
  let rest: Promise<IntrospectReport | null> = Promise.resolve(null);
  try {
    const digestOverride = (options.ignoreChecks ?? []).some((k) => ADMISSION_KEYS.includes(k));
    const streamed = digestOverride ? [] : await streamablePayloads(reader, streamAbove);
    for (const e of streamed) reader.view.assumeDigest!(e.name, Promise.resolve(claimOf(e)));
    if (options.everyCheck) rest = runRest(path, options, streamed.length > 0 ? streamAbove : null);
    rest.catch(() => undefined);
    const report = await runChecksOn(reader, path, { only: ADMISSION_KEYS, extractModel: false });
    const admission = judge(report, path, options);
    const final = rest.then((r) => (r ? judgeRest(admission, r, path, options) : admission));
    final.catch(() => undefined);
    if (streamed.length === 0) await final;
    const confirm = async (entry: StreamedEntry, seen: Promise<SeenBytes>): Promise<Admission> => {
      const bytes = await seen;
      if (bytes.sha256 === entry.sha256 && !reader.view.archive!.streamedProblem(entry.name, bytes)) return final;
      return refuseSeen(path, options, entry, bytes);
    };
    return { ...admission, streamed, confirm, settled: () => final };
  } catch (err) {
    // Its temporary files go before the refusal is reported.
    await rest.catch(() => undefined);
    throw err;
  } finally {
    await reader.close();
  }
}

/**
 * The checks beyond the gate, on a reader of their own. With a streamed payload, model.load is left out: an
 * onnxruntime session would read (and extract) the large model a second time, where push reads it once
 * (issue 18, "line rate"); model.format and model.opset still scan it, and `ood prepare` / `ood introspect` load it.
 */
async function runRest(path: string, options: AdmissionOptions, streamAbove: number | null): Promise<IntrospectReport> {
  const only = streamAbove !== null ? QUALITY_KEYS.filter((k) => k !== 'model.load') : QUALITY_KEYS;
  const report = await runChecks(path, {
    limits: options.limits,
    tempRoot: options.tempRoot,
    requireProvenance: options.requireProvenance,
    only,
    extractModel: false,
  });
  for (const c of report.checks)
    if (c.key === 'model.load' && !only.includes(c.key))
      c.message = `push leaves a stored payload over ${(streamAbove ?? 0) / 2 ** 20} MiB unloaded, reading it once; \`ood introspect\` loads it`;
  return report;
}

/** The gate's admission joined with the checks beyond it, which push refuses unless forced or ignored. */
function judgeRest(admission: Admission, rest: IntrospectReport, path: string, options: AdmissionOptions): Admission {
  const report = mergeReports(admission.report, rest);
  return { report, overridden: [...admission.overridden, ...judgeQuality(report, QUALITY_KEYS, path, options)] };
}

const claimOf = (e: StreamedEntry) => ({ sha256: e.sha256, size: e.end - e.start });

/** The model and its external data that are stored, large, and listed once in manifest.json with their size. */
async function streamablePayloads(reader: ArtifactReader, above: number): Promise<StreamedEntry[]> {
  const archive = reader.view.archive;
  const [runtime, manifest] = [await reader.runtime(), await reader.manifest()];
  if (!archive || !archive.inspection.safe || !reader.view.assumeDigest || !runtime.ok || !manifest.ok) return [];
  const names = new Set([ARTIFACT_FILES.model, ...runtime.value.MODEL_DETAILS.EXTERNAL_DATA]);
  const streamed: StreamedEntry[] = [];
  for (const entry of archive.inspection.entries) {
    if (!names.has(entry.name) || entry.kind !== 'file' || entry.size <= above || entry.encrypted) continue;
    if (entry.compressionMethod !== 0 || entry.compressedSize !== entry.size) continue;
    const listed = manifest.value.files.filter((f) => f.path === entry.name);
    if (listed.length !== 1 || listed[0]!.size !== entry.size || !/^[a-f0-9]{64}$/.test(listed[0]!.sha256)) continue;
    const start = await archive.dataOffset(entry.name);
    streamed.push({ name: entry.name, start, end: start + entry.size, sha256: listed[0]!.sha256 });
  }
  return streamed;
}

/** Bytes that are not what manifest.json says: the admission checks again on them, refused in their words. */
async function refuseSeen(
  path: string,
  options: AdmissionOptions,
  entry: StreamedEntry,
  seen: SeenBytes,
): Promise<never> {
  const reader = await openArtifact(path, { limits: options.limits, tempRoot: options.tempRoot });
  try {
    const corrupt = reader.view.archive!.streamedProblem(entry.name, seen);
    const digest = corrupt ? Promise.reject(corrupt) : Promise.resolve({ sha256: seen.sha256, size: seen.size });
    reader.view.assumeDigest!(entry.name, digest);
    judge(await runChecksOn(reader, path, { only: ADMISSION_KEYS, extractModel: false }), path, options);
  } finally {
    await reader.close();
  }
  // Unreachable while integrity.hashes compares what it is given; kept so that a mismatch can never pass.
  throw new OodError('ARTIFACT_REFUSED', `push refuses ${path}: ${entry.name} does not hash to manifest.json's sha256`);
}

/**
 * Open an artifact for running it (serve, verify): the admission checks run on the very reader returned, so the
 * bytes hashed are the bytes extracted and run, and model.onnx is extracted while it is hashed (one read). What
 * the gate refuses is closed again, its temporary files removed, before the error is thrown. With everyCheck
 * (verify), every other check runs too and its outcome is in the report, for the caller to show.
 */
export async function openAdmitted(
  path: string,
  options: AdmissionOptions,
): Promise<{ reader: ArtifactReader; admission: Admission }> {
  checkIgnorable(options.ignoreChecks ?? []);
  const reader = await openArtifact(path, { limits: options.limits, tempRoot: options.tempRoot });
  try {
    const only = options.everyCheck ? undefined : ADMISSION_KEYS;
    const report = await runChecksOn(reader, path, {
      only,
      extractModel: true,
      requireProvenance: options.requireProvenance,
    });
    return { reader, admission: judge(report, path, options) };
  } catch (err) {
    await reader.close();
    throw err;
  }
}

function judge(report: IntrospectReport, path: string, options: AdmissionOptions): Admission {
  const ignore = options.ignoreChecks ?? [];
  const failed = report.checks.filter((c) => c.result === 'FAILED' && ADMISSION_KEYS.includes(c.key));
  const ignored = failed.filter((c) => ignore.includes(c.key));
  const refused = failed.filter((c) => !ignored.includes(c));
  if (refused.length === 0) return { report, overridden: ignored.map((c) => ({ ...c, override: 'ignore-check' })) };
  const ignorable = refused.filter((c) => IGNORABLE_CHECKS.includes(c.key)).map((c) => c.key);
  const allIgnorable = ignorable.length === refused.length;
  throw refusal(
    options.command,
    path,
    refused,
    (allIgnorable && options.command === 'push'
      ? ` To push it anyway, pass ${ignorable.map((k) => `--ignore-check ${k}`).join(' ')}.`
      : '') + (options.force ? ' --force does not override archive, files, integrity or runtime checks.' : ''),
  );
}
