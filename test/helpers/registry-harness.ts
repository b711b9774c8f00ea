// Starts Debian's docker-registry (CNCF distribution 2.8) on a free loopback port with a temporary storage
// directory, optionally behind htpasswd basic auth. Missing binary: the suite fails under CI=true, skips otherwise.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const REGISTRY_BINARY = '/usr/bin/docker-registry';
export const HTPASSWD_BINARY = '/usr/bin/htpasswd';

/** Whether the registry tests can run; under CI a missing binary is an error, not a skip. */
export function registryAvailable(): boolean {
  const ok = existsSync(REGISTRY_BINARY) && existsSync(HTPASSWD_BINARY);
  if (!ok && process.env.CI === 'true') {
    throw new Error(
      `${REGISTRY_BINARY} or ${HTPASSWD_BINARY} is missing: install the Debian packages docker-registry and apache2-utils`,
    );
  }
  return ok;
}

/** Whether openssl is there for the TLS tests; same CI rule as registryAvailable(). */
export function opensslAvailable(): boolean {
  const ok = existsSync('/usr/bin/openssl');
  if (!ok && process.env.CI === 'true')
    throw new Error('/usr/bin/openssl is missing: install the Debian package openssl');
  return ok;
}

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface RunningRegistry {
  host: string;
  storage: string;
  credentials?: { username: string; password: string };
  stop(): Promise<void>;
}

async function waitReady(host: string, child: ChildProcess, logs: string[], tls: boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}): ${logs.join('')}`);
    try {
      if (tls) {
        await new Promise<void>((resolve, reject) =>
          connect(Number(host.split(':')[1]), '127.0.0.1', resolve)
            .on('error', reject)
            .end(),
        );
        return;
      }
      const res = await fetch(`http://${host}/v2/`);
      if (res.status === 200 || res.status === 401) return;
    } catch {
      /* not listening yet */
    }
    await sleep(100);
  }
  throw new Error(`docker-registry did not become ready on ${host}: ${logs.join('')}`);
}

/** Start a registry; `auth: true` adds htpasswd basic auth for user "ood"; `deletion: false` disables DELETE. */
export async function startRegistry(
  options: { auth?: boolean; tls?: { cert: string; key: string }; deletion?: boolean } = {},
): Promise<RunningRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'ood-registry-'));
  const storage = join(dir, 'storage');
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const credentials = options.auth ? { username: 'ood', password: 'correct horse battery' } : undefined;
  let authBlock = '';
  if (credentials) {
    const entry = execFileSync(HTPASSWD_BINARY, ['-Bbn', credentials.username, credentials.password], {
      encoding: 'utf8',
    });
    await writeFile(join(dir, 'htpasswd'), entry);
    authBlock = `auth:\n  htpasswd:\n    realm: ood-test\n    path: ${join(dir, 'htpasswd')}\n`;
  }
  const config =
    `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n` +
    `storage:\n  filesystem:\n    rootdirectory: ${storage}\n  delete:\n    enabled: ${options.deletion !== false}\n  maintenance:\n    uploadpurging:\n      enabled: false\n` +
    `http:\n  addr: ${host}\n  secret: ood-test-secret\n` +
    (options.tls ? `  tls:\n    certificate: ${options.tls.cert}\n    key: ${options.tls.key}\n` : '') +
    authBlock;
  await writeFile(join(dir, 'config.yml'), config);
  const child = spawn(REGISTRY_BINARY, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  child.stdout?.on('data', (d) => logs.push(String(d)));
  child.stderr?.on('data', (d) => logs.push(String(d)));
  await waitReady(host, child, logs, options.tls !== undefined);
  return {
    host,
    storage,
    credentials,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Where distribution keeps a blob's bytes in its filesystem storage. */
export function storedBlobPath(storage: string, digest: string): string {
  const hex = digest.replace(/^sha256:/, '');
  return join(storage, 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
}

/** A throwaway CA and a server certificate for 127.0.0.1 signed by it (openssl), for the TLS tests. */
export async function makeTestCertificates(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const ca = join(dir, 'ca.pem');
  const caKey = join(dir, 'ca.key');
  const key = join(dir, 'server.key');
  const csr = join(dir, 'server.csr');
  const cert = join(dir, 'server.pem');
  const ext = join(dir, 'ext.cnf');
  const run = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  run([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    caKey,
    '-out',
    ca,
    '-days',
    '2',
    '-subj',
    '/CN=ood test CA',
  ]);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', '/CN=127.0.0.1']);
  await writeFile(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca,
    '-CAkey',
    caKey,
    '-CAcreateserial',
    '-out',
    cert,
    '-days',
    '2',
    '-extfile',
    ext,
  ]);
  return { ca, cert, key };
}
