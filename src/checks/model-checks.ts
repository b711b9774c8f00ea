// Model checks: model.onnx is really ONNX (OnnxModel.open refuses LFS pointers, truncation and other formats),
// its external data stays inside the artifact, onnxruntime-node accepts its IR and opsets (asked of onnxruntime
// itself, onnxruntime-support.ts), and onnxruntime-node loads it.
import { dirname, join } from 'node:path';
import { ARTIFACT_FILES } from '../artifact/spec.js';
import { nameFindings } from '../artifact/archive-names.js';
import type { OnnxModel } from '../onnx/model.js';
import type { CheckContext } from './context.js';
import { opsetProblems } from './onnxruntime-support.js';
import { SkipCheck, passed, verdictOf, type Verdict } from './types.js';
import { dropTelemetryLogs } from '../io/onnxruntime-litter.js';

/** Where an external data location resolves inside the artifact, or a problem when it would leave it. */
function externalProblems(ctx: CheckContext, model: OnnxModel): string[] {
  const problems: string[] = [];
  for (const location of model.externalDataFiles()) {
    const unsafe = nameFindings(location);
    if (unsafe.length > 0)
      problems.push(`external data location ${JSON.stringify(location)} points outside the artifact`);
    else if (!ctx.view.has(location)) problems.push(`external data file ${location} is missing`);
  }
  return problems;
}

/** model.format */
export async function checkModelFormat(ctx: CheckContext): Promise<Verdict> {
  ctx.requireFile(ARTIFACT_FILES.model);
  const r = await ctx.model();
  if (!r.ok) return verdictOf(r.problems, '');
  const model = r.value;
  const problems = externalProblems(ctx, model);
  if (model.info.graph.outputs.length === 0) problems.push('the graph has no outputs');
  const g = model.info.graph;
  const external = model.externalDataFiles().length;
  return verdictOf(
    problems,
    `ONNX IR ${model.info.irVersion}, ${g.nodes.length} nodes, ${g.inputs.length} inputs, ${g.outputs.length} outputs${external ? `, ${external} external data files` : ''}`,
  );
}

/** model.opset */
export async function checkModelOpset(ctx: CheckContext): Promise<Verdict> {
  const model = await ctx.need(ctx.model(), 'model.format', 'model.onnx');
  const problems = await opsetProblems(model.info.irVersion, model.info.opsetImports);
  const opsets = model.info.opsetImports.map((o) => `${o.domain || 'ai.onnx'} ${o.version}`).join(', ');
  return verdictOf(problems, `IR ${model.info.irVersion}; ${opsets || 'no opset imports'}`);
}

/** model.load: a real onnxruntime-node session, released at once. Needs a clean model.format. */
export async function checkModelLoad(ctx: CheckContext): Promise<Verdict> {
  const model = await ctx.need(ctx.model(), 'model.format', 'model.onnx');
  if (externalProblems(ctx, model).length > 0) throw new SkipCheck('the external data is unusable (see model.format)');
  if ((await opsetProblems(model.info.irVersion, model.info.opsetImports)).length > 0)
    throw new SkipCheck("onnxruntime-node does not support the model's opset (see model.opset)");
  const path = await ctx.view.localPath(ARTIFACT_FILES.model);
  // onnxruntime resolves external data next to the model file: place every data file beside it.
  for (const location of model.externalDataFiles()) {
    const placed = await ctx.view.localPath(location);
    if (placed !== join(dirname(path), location))
      return verdictOf([`external data ${location} could not be placed beside the model`], '');
  }
  const ort = await import('onnxruntime-node');
  let session: Awaited<ReturnType<typeof ort.InferenceSession.create>> | undefined;
  try {
    session = await ort.InferenceSession.create(path, { logSeverityLevel: 3 });
    await dropTelemetryLogs();
    return passed(
      `session created: inputs ${session.inputNames.join(', ')}; outputs ${session.outputNames.join(', ')}`,
    );
  } catch (err) {
    const message = ((err as Error).message ?? String(err)).split(path).join(ARTIFACT_FILES.model).split('\n')[0]!;
    return verdictOf([`onnxruntime-node refused the model: ${message}`], '');
  } finally {
    await session?.release();
  }
}
