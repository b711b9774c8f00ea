// I/O schema checks: input_schema.json and output_schema.json are valid against schemas/io-schema.schema.json,
// and they describe the ONNX graph: same tensor names and order, same KServe V2 datatypes, same ranks, and no
// fixed dimension that contradicts the graph.
import type { TensorSpec } from '../artifact/spec.js';
import type { ValueInfo } from '../onnx/decode.js';
import { v2Name } from '../tensor/datatypes.js';
import { ARTIFACT_FILES } from '../artifact/spec.js';
import type { CheckContext } from './context.js';
import { SkipCheck, passed, verdictOf, type Verdict } from './types.js';

/** schemas.input / schemas.output */
export function ioSchemaCheck(kind: 'input' | 'output'): (ctx: CheckContext) => Promise<Verdict> {
  return async (ctx) => {
    ctx.requireFile(kind === 'input' ? ARTIFACT_FILES.inputSchema : ARTIFACT_FILES.outputSchema);
    const r = await ctx.ioSchema(kind);
    if (!r.ok) return verdictOf(r.problems, '');
    return passed(`${r.value.tensors.length} ${kind} tensors: ${r.value.tensors.map((t) => t.name).join(', ')}`);
  };
}

/** Disagreements between one side of the schema and the graph. */
function compare(kind: 'input' | 'output', tensors: TensorSpec[], graph: ValueInfo[]): string[] {
  const problems: string[] = [];
  const byName = new Map(graph.map((v, i) => [v.name, { v, i }]));
  const described = new Set(tensors.map((t) => t.name));
  for (const v of graph)
    if (!described.has(v.name)) problems.push(`graph ${kind} ${v.name} is missing from ${kind}_schema.json`);
  for (const t of tensors) {
    const found = byName.get(t.name);
    if (!found) {
      problems.push(`${kind}_schema.json lists ${t.name}, which is not a graph ${kind}`);
      continue;
    }
    if (found.i !== t.order) problems.push(`${kind} ${t.name} has order ${t.order}, the graph has it at ${found.i}`);
    const type = found.v.type;
    if (type.kind !== 'tensor') continue;
    const datatype = v2Name(type.elemType);
    if (datatype !== t.datatype)
      problems.push(`${kind} ${t.name} is ${t.datatype} in the schema, ${datatype} in the graph`);
    if (type.shape === null) continue;
    if (type.shape.length !== t.shape.length) {
      problems.push(`${kind} ${t.name} has rank ${t.shape.length} in the schema, ${type.shape.length} in the graph`);
      continue;
    }
    type.shape.forEach((dim, d) => {
      const declared = t.shape[d];
      if (typeof dim === 'number' && typeof declared === 'number' && declared >= 0 && dim >= 0 && dim !== declared) {
        problems.push(`${kind} ${t.name} dimension ${d} is ${declared} in the schema, ${dim} in the graph`);
      }
    });
  }
  return problems;
}

/** schemas.graph */
export async function checkSchemasAgainstGraph(ctx: CheckContext): Promise<Verdict> {
  const input = await ctx.need(ctx.ioSchema('input'), 'schemas.input', ARTIFACT_FILES.inputSchema);
  const output = await ctx.need(ctx.ioSchema('output'), 'schemas.output', ARTIFACT_FILES.outputSchema);
  const model = await ctx.need(ctx.model(), 'model.format', ARTIFACT_FILES.model);
  const g = model.info.graph;
  const problems = [...compare('input', input.tensors, g.inputs), ...compare('output', output.tensors, g.outputs)];
  return verdictOf(
    problems,
    `${g.inputs.length} inputs and ${g.outputs.length} outputs agree on names, datatypes and ranks`,
  );
}

/** schemas.sample: the optional sample.json must be a request the server itself would accept. */
export async function checkSample(ctx: CheckContext): Promise<Verdict> {
  ctx.requireSafe();
  if (!ctx.view.has(ARTIFACT_FILES.sample))
    throw new SkipCheck(`no ${ARTIFACT_FILES.sample} in the artifact (it is optional)`);
  await ctx.need(ctx.ioSchema('input'), 'schemas.input', ARTIFACT_FILES.inputSchema);
  const sample = await ctx.sample();
  if (!sample.ok) return verdictOf(sample.problems, '');
  return verdictOf([], `a valid request with ${sample.value?.inputs.length ?? 0} input tensors`);
}
