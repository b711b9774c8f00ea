// Start an in-process server on a free loopback port for a test, and small fetch helpers. The server's log
// lines are kept on `logs` (JSON lines parsed), not printed.
import type { ResultPromise } from 'execa';
import { startServer, type RunningServer, type ServeOptions } from '../../../src/serve/server.js';

export type TestServer = RunningServer & { logs: Record<string, any>[] };

export async function serve(artifact: string, options: Partial<ServeOptions> = {}): Promise<TestServer> {
  const logs: Record<string, any>[] = [];
  const server = await startServer(artifact, {
    port: 0,
    host: '127.0.0.1',
    maxBody: 8 * 2 ** 20,
    instances: 1,
    logFormat: 'json',
    log: (line) => logs.push(JSON.parse(line)),
    ...options,
  });
  await server.ready;
  return Object.assign(server, { logs });
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export async function get(url: string, init: RequestInit = {}) {
  const res = await fetch(url, init);
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Wait until the server is in the state `ready` describes (polled; no test depends on how long it takes). */
export async function until(ready: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !ready(); waited += 5) {
    if (waited > 30_000) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * The URL a child `ood serve` (or start_server.sh) prints in "listening on URL": as soon as it listens, or with
 * `ready` once it also says its model is ready. Rejects with the exit code and stderr if the child exits first.
 */
export function servedUrl(child: ResultPromise, { ready = false } = {}): Promise<string> {
  const line = ready ? /listening on (http:\/\/\S+)[\s\S]*is ready/ : /listening on (http:\/\/\S+)/;
  return new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const m = line.exec(text);
      if (m) resolve(m[1]!);
    });
    void child.then((r) => reject(new Error(`exited before it listened (${r.exitCode}): ${r.stderr}`)));
  });
}
