// After a build, the `ood prepare` command runs `ood introspect` on the result and reports it, as ADS's prepare()
// runs its introspection. buildArtifact itself knows nothing of the checks: the command composes the two.
import type { IntrospectReport } from './types.js';

/** The introspection part of `ood prepare`'s result. */
export type PostBuildReport =
  | { status: 'ran'; ok: boolean; summary: IntrospectReport['summary']; report: IntrospectReport }
  | { status: 'not-run'; reason: string };

/** Run the introspection checks on a finished artifact and summarise them. */
export async function runPostBuildChecks(
  artifactPath: string,
  policy: { requireProvenance?: boolean } = {},
): Promise<PostBuildReport> {
  // Loaded on demand: the checks pull in onnxruntime-node, which --no-introspect builds never need.
  const { runChecks } = await import('./run-checks.js');
  const report = await runChecks(artifactPath, policy);
  return { status: 'ran', ok: report.ok, summary: report.summary, report };
}
