// Where registry credentials come from, in order: --username/--password-stdin, then OOD_REGISTRY_USERNAME and
// OOD_REGISTRY_PASSWORD, then docker's config.json ($DOCKER_CONFIG/config.json or ~/.docker/config.json) in
// docker's own order: credHelpers[host], else credsStore, else the "auths" entry (credential-helper.ts runs them).
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { runCredentialHelper } from './credential-helper.js';

/** A username and password for HTTP basic auth or for the token endpoint. */
export interface Credentials {
  username: string;
  password: string;
  source: 'flags' | 'environment' | 'docker-config' | 'credential-helper';
  /** An identity token from a helper: exchanged for access tokens with the OAuth2 refresh-token grant. */
  identityToken?: string;
}

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** The server URL docker stores a login under: docker.io's legacy v1 URL, else the host as typed. */
function serverUrlFor(host: string): string {
  return host === 'docker.io' || host === 'index.docker.io' || host === 'registry-1.docker.io'
    ? 'https://index.docker.io/v1/'
    : host;
}

function hostKeys(host: string): string[] {
  return [host, `http://${host}`, `https://${host}`, `https://${host}/v1/`, `https://${host}/v2/`];
}

/** Look the host up in docker's config.json; undefined when there is no usable entry. */
export async function dockerConfigCredentials(
  host: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Credentials | undefined> {
  const dir = env.DOCKER_CONFIG && env.DOCKER_CONFIG !== '' ? env.DOCKER_CONFIG : join(homedir(), '.docker');
  let config: DockerConfig;
  try {
    config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as DockerConfig;
  } catch {
    return undefined;
  }
  const helper = config.credHelpers?.[host] ?? config.credsStore;
  if (typeof helper === 'string' && helper !== '') {
    const login = await runCredentialHelper(helper, serverUrlFor(host), env);
    if (!login) return undefined;
    return login.identityToken
      ? { username: '', password: '', identityToken: login.secret, source: 'credential-helper' }
      : { username: login.username, password: login.secret, source: 'credential-helper' };
  }
  for (const key of hostKeys(host)) {
    const entry = config.auths?.[key];
    if (entry?.identitytoken)
      return { username: '', password: '', identityToken: entry.identitytoken, source: 'docker-config' };
    if (!entry) continue;
    if (entry.username && entry.password)
      return { username: entry.username, password: entry.password, source: 'docker-config' };
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0)
        return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), source: 'docker-config' };
    }
  }
  return undefined;
}

/** Resolve credentials for a host from flags, environment, or docker config, in that order. */
export async function resolveCredentials(
  host: string,
  flags: { username?: string; password?: string },
  env: NodeJS.ProcessEnv = process.env,
): Promise<Credentials | undefined> {
  if (flags.username !== undefined && flags.password !== undefined) {
    return { username: flags.username, password: flags.password, source: 'flags' };
  }
  const username = flags.username ?? env.OOD_REGISTRY_USERNAME;
  const password = flags.password ?? env.OOD_REGISTRY_PASSWORD;
  if (username && password !== undefined && password !== '') return { username, password, source: 'environment' };
  return dockerConfigCredentials(host, env);
}
