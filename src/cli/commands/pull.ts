// `ood pull REF -o OUT.zip`: fetch an artifact, verify every digest, write the zip atomically.
import type { CommandModule } from 'yargs';
import { runCommand, type GlobalOptions } from '../context.js';
import { storeOptionsFrom, withRegistryOptions, type RegistryArgs } from './registry-options.js';

interface PullArgs extends GlobalOptions, RegistryArgs {
  ref: string;
  output: string;
  force?: boolean;
}

export const pullCommand: CommandModule<object, PullArgs> = {
  command: 'pull <ref>',
  describe: 'Pull an artifact by tag or digest into a zip, verifying every digest',
  builder: (y) =>
    withRegistryOptions(
      y
        .positional('ref', {
          type: 'string',
          demandOption: true,
          describe: 'digits:1.0, HOST/NAME:TAG or HOST/NAME@sha256:…',
        })
        .option('output', {
          alias: 'o',
          type: 'string',
          demandOption: true,
          describe: 'Where to write the artifact zip',
        })
        .option('force', { type: 'boolean', default: false, describe: 'Replace an existing output file' })
        .option('json', { type: 'boolean', describe: 'Print digest, size and annotations as JSON' })
        .example('$0 pull 127.0.0.1:5000/team/digits:1.0 -o digits.zip', 'Fetch and verify'),
    ),
  handler: (argv) =>
    runCommand(argv, async () => {
      const { requireZipTarget } = await import('../zip-target.js');
      requireZipTarget('pull', argv.output);
      const { pullArtifact } = await import('../../registry/pull.js');
      const { printJson } = await import('../output.js');
      const { createByteProgressBar } = await import('../progress-bar.js');
      const bar = createByteProgressBar('pulling', { quiet: argv.quiet || argv.json });
      const result = await pullArtifact(argv.ref, argv.output, {
        ...(await storeOptionsFrom(argv)),
        force: argv.force === true,
        onBytes: (done, total, moved) => bar.update(done, total, moved),
      }).finally(() => bar.finish());
      if (argv.json) return printJson(result);
      // As push: the digest on stdout, the note on stderr (--quiet drops it).
      process.stdout.write(`${result.digest}\n`);
      const { formatBytes } = await import('../wording.js');
      if (!argv.quiet)
        process.stderr.write(
          `pulled ${result.reference}: wrote ${result.output} (${formatBytes(result.size)}, verified)\n`,
        );
    }),
};
