// `ood introspect`: run every check of the catalogue on an artifact (zip or directory) and print the table.
import type { CommandModule } from 'yargs';
import { resolveArtifactArgument } from '../artifact-argument.js';
import { runCommand, type GlobalOptions } from '../context.js';
import { withReferenceOptions, type ConnectionArgs } from './registry-options.js';
import { withProvenancePolicy } from '../provenance-policy.js';

interface IntrospectArgs extends GlobalOptions, ConnectionArgs {
  artifact: string;
  'require-provenance'?: boolean;
}

export const introspectCommand: CommandModule<object, IntrospectArgs> = {
  command: 'introspect <artifact>',
  describe: 'Check an artifact for every deployment-breaking defect, without running its code',
  builder: (y) =>
    withReferenceOptions(withProvenancePolicy(y))
      .positional('artifact', {
        type: 'string',
        demandOption: true,
        describe:
          'The artifact: a .zip or a directory written by ood prepare, or a reference (NAME:TAG, HOST/NAME@sha256:…)',
      })
      .option('json', { type: 'boolean', describe: 'Print the report as JSON (schemas/introspect-report.schema.json)' })
      .example('$0 introspect digits.zip', 'The check table; exit 0 when nothing FAILED, 4 when a check FAILED')
      .example(
        '$0 introspect artifact/ --json | jq ".checks[] | select(.result==\\"FAILED\\")"',
        'Failed checks only, from the JSON report',
      ),
  handler: (argv) =>
    runCommand(argv, async () => {
      const { runChecks } = await import('../../checks/run-checks.js');
      const { renderReport } = await import('../render-introspect.js');
      const { EXIT_CODES } = await import('../../errors.js');
      const { printJson, formatTable } = await import('../output.js');
      const { requireProvenance } = await import('../provenance-policy.js');
      const artifact = await resolveArtifactArgument(argv.artifact, argv);
      const report = await runChecks(artifact, { requireProvenance: requireProvenance(argv['require-provenance']) });
      // A reference is reported as the user named it, not as its place in the cache.
      if (artifact !== argv.artifact) report.artifact = argv.artifact;
      if (argv.json) printJson(report);
      else process.stdout.write(renderReport(report, formatTable));
      return report.ok ? EXIT_CODES.ok : EXIT_CODES.check;
    }),
};
