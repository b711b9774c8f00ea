// From a reference to the store that holds it: the local OCI layout for refs without a host, a remote registry
// otherwise — plain HTTP for loopback hosts (as docker does) or when asked, TLS with an optional CA file.
import { readFile } from 'node:fs/promises';
import { fileError } from '../errors.js';
import { resolveCredentials } from './credentials.js';
import { LocalLayoutStore, defaultLayoutRoot } from './local-layout.js';
import { isLoopbackHost, type ArtifactRef } from './reference.js';
import type { Timeouts } from './http-transport.js';
import type { SessionOptions } from './registry-session.js';
import { RemoteStore } from './remote-store.js';
import type { RetryPolicy } from './retry-policy.js';
import type { ArtifactStore } from './store.js';

/** Options shared by push, pull and ls (the "remote" flag group). */
export interface StoreOptions {
  /** Force plain HTTP (true) or TLS (false); undefined means plain HTTP for loopback hosts without --ca-file. */
  plainHttp?: boolean;
  caFile?: string;
  username?: string;
  password?: string;
  /** Root of the local OCI layout; default $OOD_HOME/registry. */
  layoutRoot?: string;
  env?: NodeJS.ProcessEnv;
  /** Upload and listing tuning (tests and benchmarks). */
  monolithicLimit?: number;
  chunkSize?: number;
  tagPageSize?: number;
  /** Registry timeouts in milliseconds (defaults: DEFAULT_TIMEOUTS) and the retry policy (DEFAULT_RETRY). */
  timeouts?: Partial<Timeouts>;
  retry?: Partial<RetryPolicy>;
}

/** Open the store a reference points at, for reading ("pull") or writing ("pull,push"). */
export async function openStore(
  ref: ArtifactRef,
  options: StoreOptions,
  actions: 'pull' | 'pull,push',
): Promise<ArtifactStore & { close?: () => void }> {
  const env = options.env ?? process.env;
  if (!ref.host) return new LocalLayoutStore(options.layoutRoot ?? defaultLayoutRoot(env), ref.repository);
  return new RemoteStore({
    ...(await remoteSessionOptions({ ...ref, host: ref.host }, options, actions)),
    monolithicLimit: options.monolithicLimit,
    chunkSize: options.chunkSize,
    tagPageSize: options.tagPageSize,
  });
}

/** How to reach a remote repository: TLS or plain HTTP, the CA, credentials, timeouts and retries. */
export async function remoteSessionOptions(
  ref: ArtifactRef & { host: string },
  options: StoreOptions,
  actions: string,
): Promise<SessionOptions> {
  const env = options.env ?? process.env;
  const ca = options.caFile
    ? await readFile(options.caFile).catch((err) => {
        throw fileError(err, options.caFile!, 'CA file');
      })
    : undefined;
  return {
    host: ref.host,
    repository: ref.repository,
    // --ca-file implies TLS; otherwise plain HTTP is the default only for loopback hosts.
    plainHttp: options.plainHttp ?? (ca ? false : isLoopbackHost(ref.host)),
    ca,
    credentials: await resolveCredentials(ref.host, { username: options.username, password: options.password }, env),
    actions,
    timeouts: options.timeouts,
    retry: options.retry,
  };
}
