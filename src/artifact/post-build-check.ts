// After a build, prepare runs `ood introspect` (src/checks/) on the result and reports it, as ADS's prepare()
// runs its introspection. This is the one place prepare touches the checks.
import type { IntrospectReport } from '../checks/types.js';

/** The introspection part of a BuildResult. */
export type PostBuildReport =
  | { status: 'ran'; ok: boolean; summary: IntrospectReport['summary']; report: IntrospectReport }
  | { status: 'not-run'; reason: string };

/** Run the introspection checks on a finished artifact and summarise them. */
export async function runPostBuildChecks(
  artifactPath: string,
  policy: { requireProvenance?: boolean } = {},
): Promise<PostBuildReport> {
  // Loaded on demand: the checks pull in onnxruntime-node, which --no-introspect builds never need.
  const { runChecks } = await import('../checks/run-checks.js');
  const report = await runChecks(artifactPath, policy);
  return { status: 'ran', ok: report.ok, summary: report.summary, report };
}
