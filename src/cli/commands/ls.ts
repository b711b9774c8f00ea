// `ood ls [REPO]`: with a repository, its tags with name, version, creation time, git commit, certainty method
// and full digest; without one, every repository of the local store.
import type { CommandModule } from 'yargs';
import { runCommand, type GlobalOptions } from '../context.js';
import { storeOptionsFrom, withRegistryOptions, type RegistryArgs } from './registry-options.js';

interface LsArgs extends GlobalOptions, RegistryArgs {
  repo?: string;
  short?: boolean;
}

export const lsCommand: CommandModule<object, LsArgs> = {
  command: 'ls [repo]',
  describe: 'List the tags of a repository with their key annotations, or every local repository',
  builder: (y) =>
    withRegistryOptions(
      y
        .positional('repo', {
          type: 'string',
          describe: 'digits (local) or 127.0.0.1:5000/team/digits; none lists the local repositories',
        })
        .option('json', { type: 'boolean', describe: 'Print the rows as JSON' })
        .option('short', { type: 'boolean', describe: 'Show 12-digit digests (they cannot be pulled by)' })
        .example('$0 ls', 'Every repository of the local store with its tags')
        .example('$0 ls 127.0.0.1:5000/team/digits', 'Tags, versions, commits and digests'),
    ),
  handler: (argv) =>
    runCommand(argv, async () => {
      const { printJson, formatTable } = await import('../output.js');
      if (argv.repo === undefined) {
        const { listLocalRepositories, defaultLayoutRoot } = await import('../../registry/local-layout.js');
        const root = defaultLayoutRoot();
        const repositories = await listLocalRepositories(root);
        if (argv.json) return printJson({ store: root, repositories });
        if (repositories.length === 0) return void process.stdout.write(`no repositories in ${root}\n`);
        const rows = repositories.map((r) => [r.repository, String(r.tags.length), r.tags.join(', ')]);
        return void process.stdout.write(`${formatTable(['REPOSITORY', 'TAGS', 'NAMES'], rows)}\n`);
      }
      const { listTags } = await import('../../registry/list-tags.js');
      const result = await listTags(argv.repo, await storeOptionsFrom(argv));
      if (argv.json) return printJson(result);
      if (result.tags.length === 0) return void process.stdout.write(`no tags in ${result.repository}\n`);
      const digest = (d: string) => (argv.short ? d.slice('sha256:'.length, 'sha256:'.length + 12) : d);
      const rows = result.tags.map((t) => [
        t.tag,
        t.version ?? '-',
        t.created ?? '-',
        t.revision ? t.revision.slice(0, 12) : '-',
        t.certaintyMethod ?? '-',
        t.note ? `${digest(t.digest)} (${t.note})` : digest(t.digest),
      ]);
      // Digests stay whole (they are copied into pull and serve); a tag or a note wraps instead.
      const table = formatTable(['TAG', 'VERSION', 'CREATED', 'COMMIT', 'CERTAINTY', 'DIGEST'], rows, { wrap: [0] });
      process.stdout.write(`${table}\n`);
    }),
};
