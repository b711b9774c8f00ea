// The "remote" option group shared by push, pull and ls (ORAS-style composable flag groups).
import type { Argv } from 'yargs';
import { OodError } from '../../errors.js';

/** Parsed remote options. */
export interface RegistryArgs {
  'plain-http'?: boolean;
  'ca-file'?: string;
  username?: string;
  'password-stdin'?: boolean;
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
    .group(['plain-http', 'ca-file', 'username', 'password-stdin'], 'Registry:') as Argv<T & RegistryArgs>;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Turn the flags into library StoreOptions (reading the password from stdin when asked). */
export async function storeOptionsFrom(
  argv: RegistryArgs,
): Promise<{ plainHttp?: boolean; caFile?: string; username?: string; password?: string }> {
  let password: string | undefined;
  if (argv['password-stdin']) {
    password = await readStdin();
    if (password === '')
      throw new OodError('EMPTY_PASSWORD', '--password-stdin read an empty password', {
        kind: 'usage',
        hint: 'Pipe the password in: echo "$PASS" | ood push … --username me --password-stdin',
      });
  }
  return { plainHttp: argv['plain-http'], caFile: argv['ca-file'], username: argv.username, password };
}
