// After a build, prepare runs `ood introspect` on the result and reports it, as ADS's prepare() does.
// The checks live in src/checks/ (another area); this is the one place prepare touches them.
import type { IntrospectReport } from '../checks/types.js';

export type PostBuildReport =
  | { status: 'ran'; ok: boolean; summary: IntrospectReport['summary']; report: IntrospectReport }
  | { status: 'not-run'; reason: string };

type RunChecks = (path: string) => Promise<IntrospectReport>;

/** Run the introspection checks on a finished artifact; 'not-run' with a reason when they are unavailable. */
export async function runPostBuildChecks(artifactPath: string): Promise<PostBuildReport> {
  let runChecks: RunChecks | undefined;
  try {
    // Resolved at run time: src/checks/run-checks.ts is built by the introspect work.
    const specifier = '../checks/run-checks.js';
    const mod = (await import(specifier)) as { runChecks?: RunChecks };
    runChecks = mod.runChecks;
  } catch {
    runChecks = undefined;
  }
  if (!runChecks) return { status: 'not-run', reason: 'ood introspect is not available in this build' };
  const report = await runChecks(artifactPath);
  return { status: 'ran', ok: report.ok, summary: report.summary, report };
}
