// `ood serve ARTIFACT`: serve an artifact over DRUM routes, KServe V2 and V1 until SIGTERM or SIGINT.
import type { CommandModule } from 'yargs';
import { resolveArtifactArgument } from '../artifact-argument.js';
import { runCommand, type GlobalOptions } from '../context.js';
import { RULES, readNumbers } from '../option-checks.js';
import { withReferenceOptions, type ConnectionArgs } from './registry-options.js';

/** What serve's numeric options accept (they arrive as text: yargs would turn `--port abc` into NaN). */
const SERVE_NUMBERS = {
  port: RULES.port,
  'max-body': { integer: true, min: 1, example: '67108864' },
  'max-memory': { integer: true, min: 1, example: '4294967296' },
  'max-batch': RULES.count,
  'batch-delay': RULES.milliseconds,
  threads: RULES.positiveCount,
  instances: RULES.positiveCount,
  acceptors: RULES.positiveCount,
  'max-queue': RULES.count,
  timeout: RULES.seconds,
  'drain-timeout': RULES.seconds,
  'ood-threshold': { example: '0.5' },
} as const;

interface ServeArgs extends GlobalOptions, ConnectionArgs {
  artifact: string;
  port: string | number;
  host: string;
  'max-body': string | number;
  'max-memory'?: string | number;
  'max-batch': string | number;
  'batch-delay': string | number;
  threads?: string | number;
  instances?: string | number;
  acceptors?: string | number;
  isolation: string;
  'max-queue': string | number;
  timeout: string | number;
  'drain-timeout': string | number;
  'log-format': string;
  'log-level': string;
  'ood-threshold'?: string | number;
  'execution-provider'?: string;
}

export const serveCommand: CommandModule<object, ServeArgs> = {
  command: 'serve <artifact>',
  describe: 'Serve an artifact over HTTP (DRUM routes, KServe V2 and V1) until SIGTERM/SIGINT',
  builder: (y) =>
    withReferenceOptions(y)
      .positional('artifact', {
        type: 'string',
        demandOption: true,
        describe: 'Artifact .zip or directory (from `ood prepare`), or a reference: NAME:TAG, HOST/NAME@sha256:…',
      })
      .option('port', { type: 'string', default: 8080, describe: 'TCP port; 0 picks a free one' })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'Address to listen on (0.0.0.0 for all)' })
      .option('max-body', {
        type: 'string',
        default: 64 * 2 ** 20,
        describe: 'Largest request body in bytes; larger gets 413',
      })
      .option('max-memory', {
        type: 'string',
        describe:
          'Bytes of request bodies and tensors all requests in flight may hold; past it 503 (default: half the memory the process may use)',
      })
      .option('max-batch', {
        type: 'string',
        default: 0,
        describe: 'Dynamic batching: merge concurrent requests into runs of up to N rows (0 = off)',
      })
      .option('batch-delay', {
        type: 'string',
        default: 0,
        describe: 'Dynamic batching: ms the first request may wait for others to join',
      })
      .option('instances', {
        type: 'string',
        describe: 'Model instances, each with its own session (default: cores / --threads; see docs/serve.md)',
      })
      .option('acceptors', {
        type: 'string',
        describe:
          'HTTP acceptor processes on the one port, each with its own instances (default 1, with --isolation inline the cores; see docs/serve.md)',
      })
      .option('isolation', {
        choices: ['process', 'thread', 'inline'],
        default: 'process',
        describe:
          "Run each instance in a child process (a native crash kills only it), a worker thread, or inline on each acceptor's HTTP thread (tiny models)",
      })
      .option('threads', {
        type: 'string',
        describe: 'onnxruntime intra-op threads per instance (default: 1 with several instances, else the cores)',
      })
      .option('max-queue', {
        type: 'string',
        default: 256,
        describe: 'Requests that may wait for an instance; more get 503 with Retry-After',
      })
      .option('timeout', {
        type: 'string',
        default: 60,
        describe: 'Seconds an inference request may take before it gets 504 (0 = no deadline)',
      })
      .option('drain-timeout', {
        type: 'string',
        default: 30,
        describe: 'On SIGTERM/SIGINT: seconds in-flight requests may take before connections are cut',
      })
      .option('log-format', { choices: ['text', 'json'], default: 'text', describe: 'Log lines on stderr' })
      .option('log-level', {
        choices: ['debug', 'info', 'warn', 'error'],
        default: 'info',
        describe: 'Least severe log line shown (requests: info 2xx, warn 4xx, error 5xx)',
      })
      .option('ood-threshold', {
        type: 'string',
        describe: 'Scores below this count as out-of-distribution in /metrics (default: the recorded one)',
      })
      .option('execution-provider', {
        type: 'string',
        describe:
          'Run on this provider (cpu only); an artifact prepared for another one is refused unless cpu is named',
      })
      .option('json', { type: 'boolean', describe: 'Print lifecycle events as JSON lines' })
      .example('$0 serve digits.zip --port 8080', 'Then: curl -s localhost:8080/health')
      .example('$0 serve ./artifact --host 0.0.0.0 --port 9000', 'Listen on every interface')
      .example(
        '$0 serve 127.0.0.1:5000/team/digits:1.0',
        'Pull once into $OOD_HOME/cache (keyed by digest), then serve',
      ),
  handler: (argv) =>
    runCommand(argv, async () => {
      const n = readNumbers(argv, SERVE_NUMBERS);
      const { serveUntilSignal } = await import('../serve-until-signal.js');
      const { checkExecutionProvider } = await import('../execution-provider.js');
      const artifact = await resolveArtifactArgument(argv.artifact, argv);
      const warning = await checkExecutionProvider(artifact, argv['execution-provider'], 'serve');
      if (warning) process.stderr.write(`ood serve: WARNING: ${warning}\n`);
      return serveUntilSignal(artifact, {
        port: n.port!,
        host: argv.host,
        maxBody: n['max-body']!,
        maxMemory: n['max-memory'],
        maxBatch: n['max-batch']!,
        batchDelayMs: n['batch-delay']!,
        threads: n.threads,
        instances: n.instances,
        acceptors: n.acceptors,
        isolation: argv.isolation as 'process' | 'thread' | 'inline',
        maxQueue: n['max-queue']!,
        timeoutMs: n.timeout! * 1000,
        drainTimeoutMs: n['drain-timeout']! * 1000,
        logFormat: argv['log-format'] as 'text' | 'json',
        logLevel: argv['log-level'] as 'debug' | 'info' | 'warn' | 'error',
        oodThreshold: n['ood-threshold'],
        json: argv.json === true,
      });
    }),
};
