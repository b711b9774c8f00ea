// `ood rm REF`: delete a tag from the local store or a registry (or a manifest, by digest, from a registry).
import type { CommandModule } from 'yargs';
import { runCommand, type GlobalOptions } from '../context.js';
import { storeOptionsFrom, withRegistryOptions, type RegistryArgs } from './registry-options.js';

interface RmArgs extends GlobalOptions, RegistryArgs {
  ref: string;
  force?: boolean;
}

export const rmCommand: CommandModule<object, RmArgs> = {
  command: 'rm <ref>',
  describe: 'Delete a tag from the local store or a registry (local blobs stay; other tags may share them)',
  builder: (y) =>
    withRegistryOptions(
      y
        .positional('ref', {
          type: 'string',
          demandOption: true,
          describe: 'NAME:TAG (local), HOST/NAME:TAG or HOST/NAME@sha256:… (a registry)',
        })
        .option('force', {
          type: 'boolean',
          describe: 'Where a registry deletes tags only with their manifest: delete it even if other tags name it',
        })
        .option('json', { type: 'boolean', describe: 'Print the deleted reference, digest and tags as JSON' })
        .example('$0 rm digits:1.0', 'Untag digits:1.0; `ood pull digits@sha256:…` still finds the artifact')
        .example('$0 rm 127.0.0.1:5000/team/digits:1.0', 'Delete the tag on a registry (its manifest if need be)'),
    ),
  handler: (argv) =>
    runCommand(argv, async () => {
      const { deleteTag } = await import('../../registry/delete-tag.js');
      const { printJson } = await import('../output.js');
      const result = await deleteTag(argv.ref, { ...(await storeOptionsFrom(argv)), force: argv.force === true });
      if (argv.json) return printJson(result);
      const what =
        result.deleted === 'tag'
          ? `deleted ${result.reference} (was ${result.digest})`
          : `deleted manifest ${result.digest} of ${result.reference}` +
            (result.untagged.length > 0 ? ` and its tags ${result.untagged.join(', ')}` : '');
      process.stdout.write(`${what}\n`);
    }),
};
