// The CLI side of "a path or a reference": every command that takes an artifact reads its argument through
// here, so `ood serve digits:1.0`, `ood introspect HOST/NAME@sha256:…` and `ood evaluate REF` behave alike.
import type { ConnectionArgs } from './commands/registry-options.js';
import type { GlobalOptions } from './context.js';

/** The path to read for `text`; a reference is pulled into the digest-keyed cache first (noted on stderr). */
export async function resolveArtifactArgument(
  text: string,
  argv: ConnectionArgs & GlobalOptions & { quiet?: boolean },
  what = 'artifact',
): Promise<string> {
  const { resolveArtifactSource, looksLikeReference } = await import('../registry/artifact-source.js');
  const { existsSync } = await import('node:fs');
  // Only a reference needs the registry flags (and stdin for a password).
  if (existsSync(text) || !looksLikeReference(text)) return (await resolveArtifactSource(text, { what })).path;
  const { storeOptionsFrom } = await import('./commands/registry-options.js');
  const { createByteProgressBar } = await import('./progress-bar.js');
  // A pull into the cache draws push and pull's bar (terminal only; none with --quiet or --json).
  const bar = createByteProgressBar('pulling', { quiet: argv.quiet || argv.json });
  const source = await resolveArtifactSource(text, {
    ...(await storeOptionsFrom(argv)),
    what,
    onBytes: (done, total, moved) => bar.update(done, total, moved),
  }).finally(() => bar.finish());
  if (!argv.quiet)
    process.stderr.write(
      `${source.pulled ? 'pulled' : 'using cached'} ${source.reference} (${source.digest}): ${source.path}\n`,
    );
  return source.path;
}
