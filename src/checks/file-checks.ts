// Mandatory files and integrity: the artifact holds what format 1.0 requires, and every byte is what manifest.json
// recorded at prepare time (sha256 and size, streamed; no file unlisted). This is what catches tampering.
import { ARTIFACT_FILES, MANDATORY_FILES } from '../artifact/spec.js';
import type { CheckContext } from './context.js';
import { passed, verdictOf, type Verdict } from './types.js';

/** files.mandatory: judged from the listing alone, so it runs even on an unsafe archive. */
export async function checkMandatoryFiles(ctx: CheckContext): Promise<Verdict> {
  const missing = MANDATORY_FILES.filter((f) => !ctx.view.has(f)).map((f) => `${f} is missing`);
  return verdictOf(missing, `all ${MANDATORY_FILES.length} mandatory files are present`);
}

/** integrity.manifest */
export async function checkManifest(ctx: CheckContext): Promise<Verdict> {
  ctx.requireFile(ARTIFACT_FILES.manifest);
  const r = await ctx.manifest();
  return r.ok ? passed(`${r.value.files.length} files listed`) : verdictOf(r.problems, '');
}

/** integrity.hashes */
export async function checkHashes(ctx: CheckContext): Promise<Verdict> {
  const manifest = await ctx.need(ctx.manifest(), 'integrity.manifest', 'manifest.json');
  const problems: string[] = [];
  const seen = new Set<string>();
  let bytes = 0;
  for (const entry of manifest.files) {
    if (seen.has(entry.path)) problems.push(`${entry.path} is listed twice`);
    seen.add(entry.path);
    if (!ctx.view.has(entry.path)) {
      // A missing mandatory file is files.mandatory's finding; anything else listed must exist.
      if (!MANDATORY_FILES.includes(entry.path)) problems.push(`${entry.path} is listed but missing`);
      continue;
    }
    try {
      // The model is needed on disk by later checks: extracting it hashes it too, so it is read once.
      if (entry.path === ARTIFACT_FILES.model && ctx.policy.extractModel !== false)
        await ctx.view.localPath(entry.path);
      const actual = await ctx.view.digest(entry.path);
      bytes += actual.size;
      if (actual.size !== entry.size)
        problems.push(`${entry.path} has ${actual.size} bytes, the manifest says ${entry.size}`);
      else if (actual.sha256 !== entry.sha256)
        problems.push(
          `${entry.path} has sha256 ${actual.sha256.slice(0, 12)}…, the manifest says ${entry.sha256.slice(0, 12)}…`,
        );
    } catch (err) {
      problems.push(`${entry.path} cannot be read: ${(err as Error).message}`);
    }
  }
  return verdictOf(problems, `${manifest.files.length} files (${bytes} bytes) match their sha256 and size`);
}

/** integrity.unlisted */
export async function checkUnlisted(ctx: CheckContext): Promise<Verdict> {
  const manifest = await ctx.need(ctx.manifest(), 'integrity.manifest', 'manifest.json');
  const listed = new Set(manifest.files.map((f) => f.path));
  const unlisted = ctx.view.files
    .filter((f) => f !== ARTIFACT_FILES.manifest && !listed.has(f))
    .map((f) => `${f} is not listed in manifest.json`);
  return verdictOf(unlisted, 'every file is listed');
}
