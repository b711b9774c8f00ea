// `ood push ARTIFACT.zip REF`: store an artifact in the local OCI layout or a registry; prints the digest.
import type { CommandModule } from 'yargs';
import { runCommand, type GlobalOptions } from '../context.js';
import { storeOptionsFrom, withRegistryOptions, type RegistryArgs } from './registry-options.js';

interface PushArgs extends GlobalOptions, RegistryArgs {
  artifact: string;
  ref: string;
}

export const pushCommand: CommandModule<object, PushArgs> = {
  command: 'push <artifact> <ref>',
  describe: 'Push an artifact zip to the local store (NAME:TAG) or an OCI registry (HOST/NAME:TAG)',
  builder: (y) =>
    withRegistryOptions(
      y
        .positional('artifact', {
          type: 'string',
          demandOption: true,
          describe: 'Artifact zip written by `ood prepare`',
        })
        .positional('ref', {
          type: 'string',
          demandOption: true,
          describe: 'digits:1.0 (local) or 127.0.0.1:5000/team/digits:1.0',
        })
        .option('json', { type: 'boolean', describe: 'Print digest, layers and transfer counts as JSON' })
        .example('$0 push digits.zip digits:1.0', 'Store in ~/.ood/registry (or $OOD_HOME/registry)')
        .example(
          'echo "$PASS" | $0 push digits.zip registry.example.com/team/digits:1.0 --username me --password-stdin',
          'Push to a registry',
        ),
    ),
  handler: (argv) =>
    runCommand(argv, async () => {
      const { pushArtifact } = await import('../../registry/push.js');
      const { printJson } = await import('../output.js');
      const result = await pushArtifact(argv.artifact, argv.ref, await storeOptionsFrom(argv));
      if (argv.json) printJson(result);
      else {
        process.stdout.write(`${result.digest}\n`);
        const s = result.stats;
        process.stderr.write(
          `pushed ${result.reference}: ${s.blobsUploaded} blob(s) uploaded (${s.bytesUploaded} bytes), ${s.blobsSkipped} already there\n`,
        );
      }
    }),
};
