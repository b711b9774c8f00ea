// Certainty and provenance checks. Certainty: when the model's metadata_props say `ood.enabled`, the record
// (src/certainty/metadata.ts) is complete and the score output exists with the recorded type and shape.
// Provenance: runtime.yaml records the git commit; a dirty working tree is a WARNING.
import { ARTIFACT_FILES } from '../artifact/spec.js';
import { inspectCertaintyRecord, isCertaintyEnabled, type CertaintyRecord } from '../certainty/metadata.js';
import { v2Name } from '../tensor/datatypes.js';
import type { CheckContext, Loaded } from './context.js';
import { SkipCheck, passed, verdictOf, warning, type Verdict } from './types.js';

async function record(ctx: CheckContext): Promise<Loaded<CertaintyRecord>> {
  const model = await ctx.need(ctx.model(), 'model.format', ARTIFACT_FILES.model);
  if (!isCertaintyEnabled(model.metadataMap))
    throw new SkipCheck('the model is not certainty-enabled (no ood.enabled metadata)');
  const { value, problems } = inspectCertaintyRecord(model.metadataMap);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: value! };
}

/** certainty.record */
export async function checkCertaintyRecord(ctx: CheckContext): Promise<Verdict> {
  const r = await record(ctx);
  if (!r.ok) return verdictOf(r.problems, '');
  const c = r.value;
  return passed(
    `${c.method}, T=${c.temperature}, ${c.normalization} normalization${c.calibration ? `, calibrated on ${c.calibration.samples} samples` : ''}`,
  );
}

/** certainty.output */
export async function checkCertaintyOutput(ctx: CheckContext): Promise<Verdict> {
  const c = await ctx.need(record(ctx), 'certainty.record', 'the certainty record');
  const model = await ctx.need(ctx.model(), 'model.format', ARTIFACT_FILES.model);
  const output = model.info.graph.outputs.find((o) => o.name === c.output);
  if (!output) return verdictOf([`the graph has no output ${c.output}, which the certainty record names`], '');
  if (output.type.kind !== 'tensor')
    return verdictOf([`output ${c.output} is a ${output.type.kind}, not a tensor`], '');
  const problems: string[] = [];
  const datatype = v2Name(output.type.elemType);
  if (datatype !== c.outputType) problems.push(`output ${c.output} is ${datatype}, the record says ${c.outputType}`);
  const shape = output.type.shape;
  if (shape === null || JSON.stringify(shape.map((d) => d ?? -1)) !== JSON.stringify(c.outputShape)) {
    problems.push(
      `output ${c.output} has shape ${JSON.stringify(shape)}, the record says ${JSON.stringify(c.outputShape)}`,
    );
  }
  if (!model.usedNames().has(c.logits)) problems.push(`the scored tensor ${c.logits} is not in the graph`);
  return verdictOf(problems, `${c.output} is ${datatype} ${JSON.stringify(c.outputShape)}`);
}

/** provenance.commit: information by default (a WARNING when missing); FAILED under --require-provenance. */
export async function checkProvenanceCommit(ctx: CheckContext): Promise<Verdict> {
  const runtime = await ctx.need(ctx.runtime(), 'runtime.schema', ARTIFACT_FILES.runtime);
  const code = runtime.MODEL_PROVENANCE.TRAINING_CODE;
  if (!code.GIT_COMMIT) {
    const problem = `GIT_COMMIT is not recorded${code.NOTE ? ` (${code.NOTE})` : ''}`;
    return ctx.policy.requireProvenance ? verdictOf([problem], '') : warning(problem);
  }
  return passed(
    `commit ${code.GIT_COMMIT.slice(0, 12)}${code.GIT_BRANCH ? ` on ${code.GIT_BRANCH}` : ''}${code.GIT_REMOTE ? ` of ${code.GIT_REMOTE}` : ''}`,
  );
}

/** provenance.clean: a dirty tree names what changed; a model that the commit does not hold is said so. */
export async function checkProvenanceClean(ctx: CheckContext): Promise<Verdict> {
  const runtime = await ctx.need(ctx.runtime(), 'runtime.schema', ARTIFACT_FILES.runtime);
  const code = runtime.MODEL_PROVENANCE.TRAINING_CODE;
  if (code.GIT_DIRTY === null) throw new SkipCheck('no git working tree was recorded (see provenance.commit)');
  const findings: string[] = [];
  if (code.GIT_DIRTY) findings.push(`the working tree had uncommitted changes${describeDirty(code)}`);
  if (code.MODEL_TRACKED === false && code.GIT_COMMIT) {
    findings.push(
      `the model file is not tracked at commit ${code.GIT_COMMIT.slice(0, 12)}, so the commit alone does not reproduce it`,
    );
  }
  if (findings.length === 0) return passed('the working tree was clean and the commit holds the model');
  if (code.GIT_DIRTY && ctx.policy.requireProvenance) return verdictOf(findings, '');
  return warning(findings.join('; '), findings.length > 1 ? findings : undefined);
}

function describeDirty(code: { DIRTY_PATHS?: string[]; DIRTY_COUNT?: number }): string {
  const paths = code.DIRTY_PATHS ?? [];
  if (paths.length === 0) return '';
  const more = (code.DIRTY_COUNT ?? paths.length) - paths.length;
  return `: ${paths.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}
