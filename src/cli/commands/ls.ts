// `ood ls REPO`: the tags of a repository with name, version, creation time, git commit and certainty method.
import type { CommandModule } from 'yargs';
import { runCommand, type GlobalOptions } from '../context.js';
import { storeOptionsFrom, withRegistryOptions, type RegistryArgs } from './registry-options.js';

interface LsArgs extends GlobalOptions, RegistryArgs {
  repo: string;
}

export const lsCommand: CommandModule<object, LsArgs> = {
  command: 'ls <repo>',
  describe: 'List the tags of a repository with their key annotations',
  builder: (y) =>
    withRegistryOptions(
      y
        .positional('repo', {
          type: 'string',
          demandOption: true,
          describe: 'digits (local) or 127.0.0.1:5000/team/digits',
        })
        .option('json', { type: 'boolean', describe: 'Print the rows as JSON' })
        .example('$0 ls 127.0.0.1:5000/team/digits', 'Tags, versions, commits and digests'),
    ),
  handler: (argv) =>
    runCommand(argv, async () => {
      const { listTags } = await import('../../registry/list-tags.js');
      const { printJson, formatTable } = await import('../output.js');
      const result = await listTags(argv.repo, await storeOptionsFrom(argv));
      if (argv.json) return printJson(result);
      if (result.tags.length === 0) return void process.stdout.write(`no tags in ${result.repository}\n`);
      const rows = result.tags.map((t) => [
        t.tag,
        t.version ?? '-',
        t.created ?? '-',
        t.revision ? t.revision.slice(0, 12) : '-',
        t.certaintyMethod ?? '-',
        t.note ?? t.digest.slice(0, 19),
      ]);
      process.stdout.write(`${formatTable(['TAG', 'VERSION', 'CREATED', 'COMMIT', 'CERTAINTY', 'DIGEST'], rows)}\n`);
    }),
};
