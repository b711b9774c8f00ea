// `ood rm NAME:TAG`: delete a tag from the local store.
import type { CommandModule } from 'yargs';
import { runCommand, type GlobalOptions } from '../context.js';

interface RmArgs extends GlobalOptions {
  ref: string;
}

export const rmCommand: CommandModule<object, RmArgs> = {
  command: 'rm <ref>',
  describe: 'Delete a tag from the local store (its blobs stay, other tags may share them)',
  builder: (y) =>
    y
      .positional('ref', { type: 'string', demandOption: true, describe: 'NAME:TAG in the local store' })
      .option('json', { type: 'boolean', describe: 'Print the deleted reference and digest as JSON' })
      .example('$0 rm digits:1.0', 'Untag digits:1.0; `ood pull digits@sha256:…` still finds the artifact'),
  handler: (argv) =>
    runCommand(argv, async () => {
      const { deleteTag } = await import('../../registry/delete-tag.js');
      const { printJson } = await import('../output.js');
      const result = await deleteTag(argv.ref);
      if (argv.json) printJson(result);
      else process.stdout.write(`deleted ${result.reference} (was ${result.digest})\n`);
    }),
};
