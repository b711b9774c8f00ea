// The "remote" option group shared by push, pull and ls (ORAS-style composable flag groups).
import type { Argv } from 'yargs';
import { OodError } from '../../errors.js';
import type { StoreOptions } from '../../registry/open-store.js';

/** Parsed remote options. */
export interface RegistryArgs {
  'plain-http'?: boolean;
  'ca-file'?: string;
  username?: string;
  'password-stdin'?: boolean;
  timeout?: string;
  'connect-timeout'?: string;
  retries?: string;
}

/** A non-negative finite number of seconds or a count, or a usage error naming the flag. */
function nonNegative(flag: string, integer: boolean) {
  return (value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (
      typeof value === 'boolean' ||
      String(value).trim() === '' ||
      !Number.isFinite(n) ||
      n < 0 ||
      (integer && !Number.isInteger(n))
    )
      throw new OodError(
        'BAD_OPTION',
        `--${flag} must be a ${integer ? 'whole number' : 'number of seconds'} ≥ 0, not "${String(value)}"`,
        {
          hint: `Pass e.g. --${flag} ${integer ? '3' : '60'}.`,
        },
      );
    return n;
  };
}

/** Add --plain-http, --ca-file, --username, --password-stdin. */
export function withRegistryOptions<T>(y: Argv<T>): Argv<T & RegistryArgs> {
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
    .option('password-stdin', { type: 'boolean', describe: 'Read the registry password from stdin' })
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
    .group(
      ['plain-http', 'ca-file', 'username', 'password-stdin', 'timeout', 'connect-timeout', 'retries'],
      'Registry:',
    ) as Argv<T & RegistryArgs>;
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
  const timeout = nonNegative('timeout', false)(argv.timeout);
  const connect = nonNegative('connect-timeout', false)(argv['connect-timeout']);
  const retries = nonNegative('retries', true)(argv.retries);
  if (timeout !== undefined) timeouts.headersMs = timeouts.idleMs = ms(timeout);
  if (connect !== undefined) timeouts.connectMs = ms(connect);
  return {
    plainHttp: argv['plain-http'],
    caFile: argv['ca-file'],
    username: argv.username,
    password,
    timeouts,
    ...(retries !== undefined ? { retry: { retries } } : {}),
  };
}
