// schemas.labels: labels.txt holds one unique class name a line, one per class of the classifier output, and
// runtime.yaml's CLASSIFICATION describes that output as the graph has it (its class count and its last
// activation). Both are optional; an artifact with neither skips the check.
import { classDimension, labelsFit, outputActivation } from '../artifact/classification.js';
import { ARTIFACT_FILES } from '../artifact/spec.js';
import { METADATA_KEYS } from '../certainty/metadata.js';
import type { CheckContext } from './context.js';
import { SkipCheck, verdictOf, type Verdict } from './types.js';

/** schemas.labels */
export async function checkLabels(ctx: CheckContext): Promise<Verdict> {
  ctx.requireSafe();
  const runtime = await ctx.need(ctx.runtime(), 'runtime.schema', ARTIFACT_FILES.runtime);
  const declared = runtime.CLASSIFICATION;
  const hasFile = ctx.view.has(ARTIFACT_FILES.labels);
  if (!declared && !hasFile)
    throw new SkipCheck(`no ${ARTIFACT_FILES.labels} and no CLASSIFICATION in runtime.yaml (both are optional)`);
  const problems: string[] = [];
  let labels: string[] | null = null;
  if (hasFile) {
    const found = await ctx.reader.labels();
    if (found.ok) labels = found.value;
    else problems.push(...found.problems);
  } else if (declared?.LABELS) {
    problems.push(`runtime.yaml CLASSIFICATION.LABELS names ${declared.LABELS}, which the artifact does not hold`);
  }
  const model = await ctx.need(ctx.model(), 'model.format', ARTIFACT_FILES.model);
  const outputs = model.info.graph.outputs;
  const name =
    declared?.OUTPUT ??
    model.metadataMap.get(METADATA_KEYS.logits) ??
    outputs.find((o) => {
      const classes = classDimension(o);
      return classes !== undefined && labels !== null && labelsFit(classes, labels.length);
    })?.name;
  const output = outputs.find((o) => o.name === name);
  const classes = classDimension(output);
  if (name === undefined) {
    problems.push(`no [batch, classes] output of the graph has one class per label (${labels?.length ?? 0} labels)`);
  } else if (!output) {
    problems.push(`the classifier output ${name} is not a graph output`);
  } else if (classes === undefined) {
    problems.push(`the classifier output ${name} is not a [batch, classes] tensor`);
  } else {
    if (declared && declared.CLASSES !== classes)
      problems.push(`runtime.yaml says ${name} has ${declared.CLASSES} classes, the graph has ${classes}`);
    const activation = outputActivation(model, name);
    if (declared && declared.ACTIVATION !== activation)
      problems.push(
        `runtime.yaml says ${name} ends in activation "${declared.ACTIVATION}", the graph has "${activation}"`,
      );
    if (labels && !labelsFit(classes, labels.length))
      problems.push(`${ARTIFACT_FILES.labels} has ${labels.length} labels but output ${name} has ${classes} classes`);
  }
  const what = labels ? `${labels.length} labels name` : 'no labels; CLASSIFICATION describes';
  return verdictOf(problems, `${what} the ${classes ?? 'symbolic'} classes of ${name}`);
}
