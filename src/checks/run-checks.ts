// The introspection runner: opens the artifact (zip or directory), runs every catalogue check in order, and
// returns one IntrospectReport. It returns findings; the CLI alone turns them into an exit code.
import { isOodError } from '../errors.js';
import { OOD_VERSION } from '../version.js';
import type { ArchiveLimits } from '../artifact/archive.js';
import { openArtifact, type ArtifactReader } from '../artifact/open.js';
import { archiveCheck } from './archive-checks.js';
import { CATALOGUE } from './catalogue.js';
import {
  checkCertaintyOutput,
  checkCertaintyRecord,
  checkProvenanceClean,
  checkProvenanceCommit,
} from './certainty-checks.js';
import { checkCertaintyEvaluation } from './evaluation-check.js';
import { CheckContext, type CheckPolicy } from './context.js';
import { checkHashes, checkMandatoryFiles, checkManifest, checkUnlisted } from './file-checks.js';
import { checkModelFormat, checkModelLoad, checkModelOpset } from './model-checks.js';
import {
  checkRuntimeConsistency,
  checkRuntimeNode,
  checkRuntimeOnnxruntime,
  checkRuntimeParse,
  checkRuntimeSchema,
} from './runtime-checks.js';
import { checkSample, checkSchemasAgainstGraph, ioSchemaCheck } from './schema-checks.js';
import { checkLabels } from './labels-check.js';
import { checkScoreExports, checkScoreParse } from './score-checks.js';
import { SkipCheck, type CheckOutcome, type IntrospectReport, type Verdict } from './types.js';

type CheckFn = (ctx: CheckContext) => Promise<Verdict>;

/** The implementation of every catalogue key. */
const IMPLEMENTATIONS: Readonly<Record<string, CheckFn>> = {
  'archive.paths': archiveCheck('archive.paths'),
  'archive.links': archiveCheck('archive.links'),
  'archive.duplicates': archiveCheck('archive.duplicates'),
  'archive.encryption': archiveCheck('archive.encryption'),
  'archive.limits': archiveCheck('archive.limits'),
  'files.mandatory': checkMandatoryFiles,
  'integrity.manifest': checkManifest,
  'integrity.hashes': checkHashes,
  'integrity.unlisted': checkUnlisted,
  'runtime.parse': checkRuntimeParse,
  'runtime.schema': checkRuntimeSchema,
  'runtime.node': (ctx) => checkRuntimeNode(ctx),
  'runtime.onnxruntime': (ctx) => checkRuntimeOnnxruntime(ctx),
  'runtime.consistency': checkRuntimeConsistency,
  'schemas.input': ioSchemaCheck('input'),
  'schemas.output': ioSchemaCheck('output'),
  'schemas.graph': checkSchemasAgainstGraph,
  'schemas.sample': checkSample,
  'schemas.labels': checkLabels,
  'model.format': checkModelFormat,
  'model.opset': checkModelOpset,
  'model.load': checkModelLoad,
  'score.parse': checkScoreParse,
  'score.exports': checkScoreExports,
  'certainty.record': checkCertaintyRecord,
  'certainty.output': checkCertaintyOutput,
  'certainty.evaluation': checkCertaintyEvaluation,
  'provenance.commit': checkProvenanceCommit,
  'provenance.clean': checkProvenanceClean,
};

export interface RunChecksOptions extends CheckPolicy {
  limits?: ArchiveLimits;
  /** Parent of the private temporary directory used for the model (default os.tmpdir()). */
  tempRoot?: string;
  /** Run only these keys (others are SKIPPED); all by default. */
  only?: readonly string[];
}

/**
 * Introspect an artifact. Throws OodError (kind input) only when the path cannot be read as an artifact at all:
 * missing, unreadable, or a file whose zip central directory cannot be read. Every other defect is a check.
 */
export async function runChecks(artifactPath: string, options: RunChecksOptions = {}): Promise<IntrospectReport> {
  const reader = await openArtifact(artifactPath, { limits: options.limits, tempRoot: options.tempRoot });
  try {
    return await runChecksOn(reader, artifactPath, options);
  } finally {
    await reader.close();
  }
}

/**
 * Introspect an artifact already open, leaving it open: the admission gate hands the same reader (and the model
 * it extracted while hashing) to the server, so an admitted artifact is read once.
 */
export async function runChecksOn(
  reader: ArtifactReader,
  artifactPath: string,
  options: RunChecksOptions = {},
): Promise<IntrospectReport> {
  const ctx = new CheckContext(reader, {
    requireProvenance: options.requireProvenance === true,
    extractModel: options.extractModel,
  });
  const checks: CheckOutcome[] = [];
  try {
    for (const def of CATALOGUE) {
      const base = { key: def.key, category: def.category, description: def.description };
      if (options.only && !options.only.includes(def.key)) {
        checks.push({ ...base, result: 'SKIPPED', message: 'not selected' });
        continue;
      }
      const verdict = await runOne(IMPLEMENTATIONS[def.key]!, ctx);
      const outcome: CheckOutcome = { ...base, result: verdict.result, message: verdict.message };
      if (verdict.result === 'FAILED') outcome.message = `${def.failure}: ${verdict.message}`;
      if (verdict.result === 'FAILED' || verdict.result === 'WARNING') outcome.hint = def.hint;
      if (verdict.problems && verdict.problems.length > 1) outcome.problems = verdict.problems;
      checks.push(outcome);
    }
  } finally {
    ctx.close();
  }
  const count = (r: string) => checks.filter((c) => c.result === r).length;
  return {
    report_version: '1.0',
    artifact: artifactPath,
    source: reader.source,
    ood_version: OOD_VERSION,
    ok: count('FAILED') === 0,
    summary: { passed: count('PASSED'), failed: count('FAILED'), warning: count('WARNING'), skipped: count('SKIPPED') },
    checks,
  };
}

async function runOne(fn: CheckFn, ctx: CheckContext): Promise<Verdict> {
  try {
    return await fn(ctx);
  } catch (err) {
    if (err instanceof SkipCheck) return { result: 'SKIPPED', message: err.reason };
    // A read error while checking (a corrupt entry, an unreadable file) is the artifact's defect, not ours.
    if (isOodError(err) && err.kind !== 'internal') return { result: 'FAILED', message: err.message };
    throw err;
  }
}
