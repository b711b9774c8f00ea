// The "remote" option groups (ORAS-style composable flag groups): the connection to a registry, shared by every
// command that may read a reference, and the transfer tuning (timeouts, retries) of push, pull, ls and rm.
import type { Argv } from 'yargs';
import { OodError } from '../../errors.js';
import type { StoreOptions } from '../../registry/open-store.js';
import { RULES, readNumbers } from '../option-checks.js';

/** Parsed connection options. */
export interface ConnectionArgs {
  'plain-http'?: boolean;
  'ca-file'?: string;
  username?: string;
  'password-stdin'?: boolean;
}

/** Parsed remote options. */
export interface RegistryArgs extends ConnectionArgs {
  timeout?: string;
  'connect-timeout'?: string;
  retries?: string;
}

const CONNECTION_FLAGS = ['plain-http', 'ca-file', 'username', 'password-stdin'];

function withConnection<T>(y: Argv<T>): Argv<T & ConnectionArgs> {
  return y
    .option('plain-http', {
      type: 'boolean',
      describe:
        'Use HTTP instead of HTTPS (default: on for localhost/127.0.0.1/::1 unless --ca-file is given; --no-plain-http forces TLS)',
    })
    .option('ca-file', { type: 'string', describe: 'PEM file with the CA certificate(s) to trust for the registry' })
    .option('username', {
      type: 'string',
      describe: 'Registry user (else OOD_REGISTRY_USERNAME, else docker config.json)',
    })
    .option('password-stdin', { type: 'boolean', describe: 'Read the registry password from stdin' }) as Argv<
    T & ConnectionArgs
  >;
}

/** Add the connection flags to a command whose artifact argument may be a registry reference. */
export function withReferenceOptions<T>(y: Argv<T>): Argv<T & ConnectionArgs> {
  return withConnection(y).group(CONNECTION_FLAGS, 'Registry (when the artifact is a reference):');
}

/** Add --plain-http, --ca-file, --username, --password-stdin, --timeout, --connect-timeout, --retries. */
export function withRegistryOptions<T>(y: Argv<T>): Argv<T & RegistryArgs> {
  return withConnection(y)
    .option('timeout', {
      type: 'string',
      describe:
        'Seconds the registry may stay silent (awaiting an answer, or mid-body) before ood gives up [default: 60]',
    })
    .option('connect-timeout', {
      type: 'string',
      describe: 'Seconds to wait for a connection to the registry [default: 30]',
    })
    .option('retries', {
      type: 'string',
      describe: 'Retries of a step after 429, 5xx, a broken connection or a timeout [default: 3]',
    })
    .group([...CONNECTION_FLAGS, 'timeout', 'connect-timeout', 'retries'], 'Registry:') as Argv<T & RegistryArgs>;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Turn the flags into library StoreOptions (reading the password from stdin when asked). */
export async function storeOptionsFrom(argv: RegistryArgs): Promise<StoreOptions> {
  // Numbers first: a bad --timeout is reported before anything waits on stdin.
  const n = readNumbers(argv, { timeout: RULES.seconds, 'connect-timeout': RULES.seconds, retries: RULES.count });
  let password: string | undefined;
  if (argv['password-stdin']) {
    password = await readStdin();
    if (password === '')
      throw new OodError('EMPTY_PASSWORD', '--password-stdin read an empty password', {
        hint: 'Pipe the password in: echo "$PASS" | ood push … --username me --password-stdin',
      });
  }
  const timeouts: StoreOptions['timeouts'] = {};
  // 0 disables a timeout, as in curl; internally that is "never", i.e. a very long time.
  const ms = (seconds: number) => (seconds === 0 ? 2 ** 31 - 1 : Math.round(seconds * 1000));
  if (n.timeout !== undefined) timeouts.headersMs = timeouts.idleMs = ms(n.timeout);
  if (n['connect-timeout'] !== undefined) timeouts.connectMs = ms(n['connect-timeout']);
  return {
    plainHttp: argv['plain-http'],
    caFile: argv['ca-file'],
    username: argv.username,
    password,
    timeouts,
    ...(n.retries !== undefined ? { retry: { retries: n.retries } } : {}),
  };
}
