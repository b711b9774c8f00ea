// The data model of a verification, shared by the text table (cli/render-verify.ts) and --json.

/** One check: what was tried, whether it passed, and why not. */
export interface VerifyCheck {
  name: string;
  passed: boolean;
  detail: string;
}

/** Everything `ood verify` found. `passed` is true only when every check passed. */
export interface VerifyReport {
  artifact: string;
  model: string;
  url: string;
  passed: boolean;
  checks: VerifyCheck[];
}
