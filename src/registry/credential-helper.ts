// Docker credential helpers, run as docker runs them (docker/docker-credential-helpers protocol): the program
// `docker-credential-<name>` gets `get` as its argument and the registry's server URL on stdin, and prints
// {"ServerURL","Username","Secret"}. A Username of "<token>" means the Secret is an identity (refresh) token.
// "credentials not found" is not an error: docker then goes on anonymously, and so do we.
import { execa } from 'execa';
import { OodError } from '../errors.js';

/** What a helper returned: a login, or an identity token for the OAuth2 refresh-token grant. */
export interface HelperLogin {
  username: string;
  secret: string;
  identityToken: boolean;
}

const NOT_FOUND = /credentials not found/i;

/** Ask `docker-credential-<helper>` for the credentials of `serverUrl`; undefined when it has none. */
export async function runCredentialHelper(
  helper: string,
  serverUrl: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<HelperLogin | undefined> {
  if (!/^[A-Za-z0-9._-]+$/.test(helper)) {
    throw new OodError('CREDENTIAL_HELPER_FAILED', `docker's config names the credential helper "${helper}"`, {
      hint: 'A helper name is a plain word (e.g. "pass", "secretservice"); fix credsStore/credHelpers in config.json.',
    });
  }
  const program = `docker-credential-${helper}`;
  const result = await execa(program, ['get'], {
    input: serverUrl,
    env,
    extendEnv: false,
    reject: false,
    timeout: 60_000,
    stripFinalNewline: true,
  });
  if ((result as { code?: string }).code === 'ENOENT') {
    throw new OodError(
      'CREDENTIAL_HELPER_MISSING',
      `docker's config wants the credential helper ${program}, which is not on PATH`,
      {
        hint: `Install ${program}, or remove "${helper}" from credsStore/credHelpers in docker's config.json.`,
      },
    );
  }
  if (result.timedOut) {
    throw new OodError('CREDENTIAL_HELPER_FAILED', `the credential helper ${program} did not answer within 60 s`, {
      hint: 'It may be waiting for a keyring to unlock; unlock it, or log in with --username/--password-stdin.',
    });
  }
  const said = `${String(result.stdout)}\n${String(result.stderr)}`.trim();
  if (result.exitCode !== 0) {
    if (NOT_FOUND.test(said)) return undefined;
    throw new OodError(
      'CREDENTIAL_HELPER_FAILED',
      `the credential helper ${program} failed (exit ${result.exitCode}): ${said.slice(0, 300)}`,
      {
        hint: `Run \`echo ${serverUrl} | ${program} get\` to see the problem, or log in with --username/--password-stdin.`,
      },
    );
  }
  let parsed: { Username?: unknown; Secret?: unknown };
  try {
    parsed = JSON.parse(String(result.stdout)) as typeof parsed;
  } catch (err) {
    throw new OodError(
      'CREDENTIAL_HELPER_FAILED',
      `the credential helper ${program} printed something that is not JSON`,
      {
        cause: err,
        hint: `Run \`echo ${serverUrl} | ${program} get\` and check its output.`,
      },
    );
  }
  const username = typeof parsed?.Username === 'string' ? parsed.Username : '';
  const secret = typeof parsed?.Secret === 'string' ? parsed.Secret : '';
  if (secret === '') return undefined;
  return { username, secret, identityToken: username === '<token>' };
}
