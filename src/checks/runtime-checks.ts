// runtime.yaml checks: it parses, matches schemas/runtime.schema.json, names a Node range the installed Node
// satisfies and an onnxruntime-node version compatible with the installed one (same major; an older installed
// minor is a WARNING), and describes the files that are really there.
import semver from 'semver';
import { ARTIFACT_FILES, MANDATORY_FILES, type RuntimeYaml } from '../artifact/spec.js';
import { inspectCertaintyRecord } from '../certainty/metadata.js';
import type { CheckContext } from './context.js';
import { installedOnnxruntimeVersion } from './onnxruntime-support.js';
import { passed, verdictOf, warning, type Verdict } from './types.js';

/** runtime.parse */
export async function checkRuntimeParse(ctx: CheckContext): Promise<Verdict> {
  ctx.requireFile(ARTIFACT_FILES.runtime);
  const r = await ctx.runtimeDocument();
  return r.ok ? passed('one YAML mapping') : verdictOf(r.problems, '');
}

/** runtime.schema */
export async function checkRuntimeSchema(ctx: CheckContext): Promise<Verdict> {
  await ctx.need(ctx.runtimeDocument(), 'runtime.parse', ARTIFACT_FILES.runtime);
  const r = await ctx.runtime();
  return r.ok ? passed(`artifact format ${r.value.MODEL_ARTIFACT_VERSION}`) : verdictOf(r.problems, '');
}

/** runtime.node */
export async function checkRuntimeNode(ctx: CheckContext, nodeVersion = process.versions.node): Promise<Verdict> {
  const runtime = await ctx.need(ctx.runtime(), 'runtime.schema', ARTIFACT_FILES.runtime);
  const range = runtime.MODEL_DEPLOYMENT.INFERENCE_RUNTIME.NODE_VERSION;
  if (semver.validRange(range) === null) return verdictOf([`NODE_VERSION "${range}" is not a semver range`], '');
  if (!semver.satisfies(nodeVersion, range))
    return verdictOf([`the installed Node ${nodeVersion} does not satisfy NODE_VERSION "${range}"`], '');
  return passed(`Node ${nodeVersion} satisfies "${range}"`);
}

/** runtime.onnxruntime */
export async function checkRuntimeOnnxruntime(
  ctx: CheckContext,
  installed = installedOnnxruntimeVersion(),
): Promise<Verdict> {
  const runtime = await ctx.need(ctx.runtime(), 'runtime.schema', ARTIFACT_FILES.runtime);
  const recorded = runtime.MODEL_DEPLOYMENT.INFERENCE_RUNTIME.ONNXRUNTIME_NODE_VERSION;
  const want = semver.valid(recorded);
  if (want === null) return verdictOf([`ONNXRUNTIME_NODE_VERSION "${recorded}" is not a semver version`], '');
  if (semver.major(want) !== semver.major(installed)) {
    return verdictOf(
      [`the artifact was prepared with onnxruntime-node ${want}; ${installed} is installed (different major version)`],
      '',
    );
  }
  if (semver.lt(installed, `${semver.major(want)}.${semver.minor(want)}.0`)) {
    return warning(
      `prepared with onnxruntime-node ${want}, older ${installed} is installed: newer operators may be missing (model.load tells)`,
    );
  }
  return passed(`prepared with ${want}; ${installed} is installed`);
}

/** runtime.consistency */
export async function checkRuntimeConsistency(ctx: CheckContext): Promise<Verdict> {
  const runtime = await ctx.need(ctx.runtime(), 'runtime.schema', ARTIFACT_FILES.runtime);
  const problems: string[] = [];
  const entry = runtime.MODEL_DEPLOYMENT.INFERENCE_RUNTIME.ENTRYPOINT;
  // A missing score.mjs is files.mandatory's finding.
  if (!ctx.view.has(entry) && !MANDATORY_FILES.includes(entry))
    problems.push(`ENTRYPOINT ${entry} is not in the artifact`);
  const d = runtime.MODEL_DETAILS;
  if (d.FILE !== ARTIFACT_FILES.model)
    problems.push(`MODEL_DETAILS.FILE is ${d.FILE}, the artifact's model is ${ARTIFACT_FILES.model}`);
  const model = await ctx.need(ctx.model(), 'model.format', ARTIFACT_FILES.model);
  const digest = await ctx.view.digest(ARTIFACT_FILES.model);
  if (digest.sha256 !== d.SHA256)
    problems.push(
      `MODEL_DETAILS.SHA256 ${d.SHA256.slice(0, 12)}… differs from model.onnx's ${digest.sha256.slice(0, 12)}…`,
    );
  if (digest.size !== d.SIZE)
    problems.push(`MODEL_DETAILS.SIZE ${d.SIZE} differs from model.onnx's ${digest.size} bytes`);
  if (d.IR_VERSION !== model.info.irVersion)
    problems.push(`MODEL_DETAILS.IR_VERSION ${d.IR_VERSION} differs from the model's ${model.info.irVersion}`);
  const opset = Object.fromEntries(model.info.opsetImports.map((o) => [o.domain || 'ai.onnx', o.version]));
  if (JSON.stringify(sortKeys(opset)) !== JSON.stringify(sortKeys(d.OPSET))) {
    problems.push(`MODEL_DETAILS.OPSET ${JSON.stringify(d.OPSET)} differs from the model's ${JSON.stringify(opset)}`);
  }
  const external = model.externalDataFiles();
  if (JSON.stringify([...d.EXTERNAL_DATA].sort()) !== JSON.stringify(external)) {
    problems.push(
      `MODEL_DETAILS.EXTERNAL_DATA ${JSON.stringify(d.EXTERNAL_DATA)} differs from the model's ${JSON.stringify(external)}`,
    );
  }
  problems.push(...certaintyProblems(runtime.CERTAINTY, model.metadataMap));
  return verdictOf(problems, 'entrypoint, model file, sha256, size, IR, opsets and certainty match');
}

/** runtime.yaml's CERTAINTY block against the record in the model's metadata. */
function certaintyProblems(block: RuntimeYaml['CERTAINTY'], metadata: ReadonlyMap<string, string>): string[] {
  const { value: record, problems } = inspectCertaintyRecord(metadata);
  // Claimed enabled but incomplete: certainty.record reports that; only ENABLED can be compared.
  if (problems.length > 0) return block.ENABLED ? [] : ["CERTAINTY.ENABLED is false, the model's metadata says true"];
  if (block.ENABLED !== (record !== null))
    return [`CERTAINTY.ENABLED is ${block.ENABLED}, the model's metadata says ${record !== null}`];
  if (!record) return [];
  const expected: Record<string, unknown> = {
    METHOD: record.method,
    TEMPERATURE: record.temperature,
    OUTPUT: record.output,
    NORMALIZATION: record.normalization,
    CALIBRATION_SAMPLES: record.calibration?.samples,
  };
  const actual = block as unknown as Record<string, unknown>;
  return Object.entries(expected)
    .filter(([key, value]) => actual[key] !== value)
    .map(
      ([key, value]) =>
        `CERTAINTY.${key} is ${JSON.stringify(actual[key])}, the model's metadata says ${JSON.stringify(value)}`,
    );
}

function sortKeys(o: Record<string, number>): [string, number][] {
  return Object.entries(o).sort(([a], [b]) => a.localeCompare(b));
}
