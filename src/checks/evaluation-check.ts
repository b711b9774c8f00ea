// certainty.evaluation: an artifact may carry the `ood evaluate` report of its model (prepare --evaluation).
// It must be a valid report, of this very model (sha256), and must not have found the model's outputs changed.
import { ARTIFACT_FILES } from '../artifact/spec.js';
import { summarizeEvaluation } from '../artifact/evaluation.js';
import type { CheckContext } from './context.js';
import { SkipCheck, verdictOf, type Verdict } from './types.js';

/** certainty.evaluation */
export async function checkCertaintyEvaluation(ctx: CheckContext): Promise<Verdict> {
  if (!ctx.view.has(ARTIFACT_FILES.evaluation))
    throw new SkipCheck('the artifact holds no evaluation.json (ood prepare --evaluation)');
  const loaded = await ctx.evaluation();
  if (!loaded.ok) return verdictOf(loaded.problems, '');
  const report = loaded.value!;
  const problems: string[] = [];
  const manifest = await ctx.need(ctx.manifest(), 'integrity.manifest', ARTIFACT_FILES.manifest);
  const modelSha = manifest.files.find((f) => f.path === ARTIFACT_FILES.model)?.sha256;
  if (modelSha !== undefined && report.model.sha256 !== modelSha) {
    problems.push(
      `it evaluates a model with sha256 ${report.model.sha256.slice(0, 12)}…, but model.onnx is ${modelSha.slice(0, 12)}…`,
    );
  }
  if (report.outputs.status === 'different')
    problems.push("it found the model's own outputs changed by the certainty branch");
  const s = summarizeEvaluation(report);
  return verdictOf(
    problems,
    `${s.method}: mean AUROC ${s.meanAuroc.toFixed(3)}, mean FPR@95%TPR ${s.meanFprAt95Tpr.toFixed(3)} over ${s.sets.length} OOD set${s.sets.length === 1 ? '' : 's'}`,
  );
}
