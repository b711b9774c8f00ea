// Start an in-process server on a free loopback port for a test, and small fetch helpers.
import { startServer, type RunningServer } from '../../../src/serve/server.js';

export async function serve(
  artifact: string,
  options: { maxBody?: number; maxBatch?: number; batchDelayMs?: number } = {},
): Promise<RunningServer> {
  const server = await startServer(artifact, {
    port: 0,
    host: '127.0.0.1',
    maxBody: options.maxBody ?? 8 * 2 ** 20,
    maxBatch: options.maxBatch,
    batchDelayMs: options.batchDelayMs,
  });
  await server.ready;
  return server;
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
