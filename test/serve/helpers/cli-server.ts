// `ood serve` run by its CLI in a process of its own, as in production, for the tests of the acceptors: requests on
// connections of their own, and the server's JSON events (stdout) and log lines (stderr) collected as they come.
import { request } from 'node:http';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { ROOT } from './artifact.js';
import { until } from './server.js';

const CLI = join(ROOT, 'dist/src/cli/main.js');

export interface Answer {
  status: number;
  id?: string;
  json?: any;
  error?: string;
}

/** POST JSON on a connection of its own (no keep-alive pool), so that each request is accepted anew. */
export function post(url: string, body: unknown): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, id: String(res.headers['x-request-id']), json: JSON.parse(text) }),
      );
      res.on('error', (err) => resolve({ status: 0, error: err.message }));
    });
    req.on('error', (err) => resolve({ status: 0, error: err.message }));
    req.end(JSON.stringify(body));
  });
}

export function getFresh(url: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

export interface Served {
  child: ResultPromise;
  url: string;
  pids: number[];
  logs: Record<string, any>[];
  /** Every line of stderr as written, JSON or not (`--log-format text` writes no JSON). */
  lines: string[];
  events: Record<string, any>[];
  /** The acceptor that answered the request with this id (from its access-log line). */
  acceptorOf(id: string): number | undefined;
}

/**
 * Start `ood serve DIR ...args` (default `--acceptors 2`) on a free port, with JSON events and logs (unless
 * `logFormat` says text); resolves once it listens (and, unless told, is ready).
 */
export async function serveCli(
  dir: string,
  {
    ready = true,
    env = {} as Record<string, string>,
    args = ['--acceptors', '2'],
    logFormat = 'json' as 'json' | 'text',
  } = {},
): Promise<Served> {
  const child = execa(
    process.execPath,
    [CLI, 'serve', dir, ...args, '--port', '0', '--json', '--log-format', logFormat],
    {
      reject: false,
      env,
      buffer: false,
    },
  );
  const logs: Record<string, any>[] = [];
  const raw: string[] = [];
  const events: Record<string, any>[] = [];
  const lines = (stream: NodeJS.ReadableStream, into: Record<string, any>[], all?: string[]) => {
    let rest = '';
    stream.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop()!;
      all?.push(...parts);
      for (const line of parts)
        try {
          into.push(JSON.parse(line));
        } catch {
          // not a JSON line (a native library's own print)
        }
    });
  };
  lines(child.stdout!, events);
  lines(child.stderr!, logs, raw);
  let exited = false;
  void child.then(() => (exited = true));
  await until(() => exited || events.some((e) => e.event === (ready ? 'ready' : 'listening')), 'ood serve to start');
  if (exited) throw new Error(`ood serve exited early: ${JSON.stringify(logs.slice(-5))}`);
  const served: Served = {
    child,
    url: events.find((e) => e.event === 'listening')!.url,
    pids: events.find((e) => e.event === 'ready')?.pids ?? [],
    logs,
    lines: raw,
    events,
    acceptorOf: (id) => logs.find((l) => l.msg === 'request' && l.request_id === id)?.acceptor,
  };
  return served;
}
