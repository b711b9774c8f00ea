// `ood verify ARTIFACT`: serve the artifact in a child process and prove it answers correctly and safely.
import type { CommandModule } from 'yargs';
import { resolveArtifactArgument } from '../artifact-argument.js';
import { runCommand, type GlobalOptions } from '../context.js';
import { RULES, readNumbers } from '../option-checks.js';
import { withReferenceOptions, type ConnectionArgs } from './registry-options.js';

interface VerifyArgs extends GlobalOptions, ConnectionArgs {
  artifact: string;
  data?: string;
  port: string | number;
  timeout: string | number;
  'execution-provider'?: string;
}

export const verifyCommand: CommandModule<object, VerifyArgs> = {
  command: 'verify <artifact>',
  describe: 'Start `ood serve` on an artifact, replay its sample, compare with onnxruntime and probe bad requests',
  builder: (y) =>
    withReferenceOptions(y)
      .positional('artifact', {
        type: 'string',
        demandOption: true,
        describe: 'Artifact .zip or directory (from `ood prepare`), or a reference: NAME:TAG, HOST/NAME@sha256:…',
      })
      .option('data', {
        type: 'string',
        describe: 'A V2 request (or {"instances": [...]}) JSON file to send instead of sample.json',
      })
      .option('port', {
        type: 'string',
        default: 0,
        describe: 'Port for the server under test (default 0: any free port)',
      })
      .option('timeout', { type: 'string', default: 60, describe: 'Seconds allowed for start-up and for each request' })
      .option('execution-provider', {
        type: 'string',
        describe:
          'Run on this provider (cpu only); an artifact prepared for another one is refused unless cpu is named',
      })
      .option('json', { type: 'boolean', describe: 'Print the checks as JSON' })
      .example('$0 verify digits.zip', 'Serve on a free port, run every check, print a table; exit 0 only if all pass')
      .example('$0 verify ./artifact --data request.json --port 0 --json', 'Own request, any free port, JSON report'),
  handler: (argv) =>
    runCommand(argv, async () => {
      const n = readNumbers(argv, { port: RULES.port, timeout: { min: 0, exclusiveMin: true, example: '60' } });
      const { verifyArtifact } = await import('../../verify/verify.js');
      const { renderVerifyText } = await import('../render-verify.js');
      const { printJson } = await import('../output.js');
      const { EXIT_CODES } = await import('../../errors.js');
      const { checkExecutionProvider } = await import('../execution-provider.js');
      const artifact = await resolveArtifactArgument(argv.artifact, argv);
      const warning = await checkExecutionProvider(artifact, argv['execution-provider'], 'verify');
      if (warning) process.stderr.write(`Warning: ${warning}\n`);
      const report = await verifyArtifact(artifact, {
        data: argv.data,
        port: n.port!,
        timeoutMs: n.timeout! * 1000,
      });
      if (argv.json) printJson(report);
      else process.stdout.write(`${renderVerifyText(report)}\n`);
      return report.passed ? EXIT_CODES.ok : EXIT_CODES.check;
    }),
};
