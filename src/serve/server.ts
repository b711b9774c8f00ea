// The node:http adapter: reads a bounded body, stamps X-Request-ID, hands the request to the router, writes the
// response, and records stats. It starts listening before the model loads, so /health can say "loading" or 513.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { OodError } from '../errors.js';
import { openArtifact } from '../artifact/open.js';
import { errorResponse, normalizePath, type ServeRequest, type ServeResponse } from './http.js';
import { ModelHost } from './model-host.js';
import { createRouter } from './router.js';
import { ServeService } from './service.js';
import { drumRoutes } from './protocols/drum.js';
import { v1Routes } from './protocols/v1.js';
import { v2Routes } from './protocols/v2.js';

export interface ServeOptions {
  /** TCP port; 0 picks a free one (the chosen port is in `RunningServer.port`). */
  port: number;
  host: string;
  /** Largest accepted request body in bytes; larger bodies get 413. */
  maxBody: number;
  /** Dynamic batching: most rows per merged run; 0 (default) turns it off. */
  maxBatch?: number;
  /** Dynamic batching: longest wait for other requests to join, in ms (default 0). */
  batchDelayMs?: number;
  /** onnxruntime intra-op threads per run (default: onnxruntime's choice, one per core). */
  threads?: number;
  log?: (line: string) => void;
}

/** A listening server. `ready` settles when the model has loaded (or failed to). */
export interface RunningServer {
  url: string;
  port: number;
  service: ServeService;
  ready: Promise<void>;
  /** Stop accepting, let in-flight requests finish, release the artifact. */
  close(): Promise<void>;
}

const REQUEST_ID = /^[\x21-\x7e]{1,200}$/;

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    const tooLarge = () =>
      new OodError('BODY_TOO_LARGE', `the request body exceeds the ${limit}-byte limit`, {
        httpStatus: 413,
        hint: 'Send a smaller batch, or restart the server with a larger --max-body.',
      });
    if (declared > limit) return reject(tooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.pause();
        reject(tooLarge());
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

function write(res: ServerResponse, response: ServeResponse, requestId: string, head: boolean, closing: boolean): void {
  const body = response.body ?? '';
  const headers: Record<string, string | number> = {
    ...response.headers,
    'x-request-id': requestId,
    'content-length': Buffer.byteLength(body),
  };
  if (closing) headers.connection = 'close';
  res.writeHead(response.status, headers);
  res.end(head ? undefined : body);
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(
          new OodError('PORT_IN_USE', `port ${port} on ${host} is already in use`, {
            hint: `Stop the process that holds it, or pick another port: --port ${port + 1}.`,
            cause: err,
          }),
        );
      } else if (err.code === 'EACCES') {
        reject(
          new OodError('PORT_FORBIDDEN', `not allowed to listen on ${host}:${port}`, {
            hint: 'Use a port above 1023.',
            cause: err,
          }),
        );
      } else reject(new OodError('LISTEN_FAILED', `cannot listen on ${host}:${port}: ${err.message}`, { cause: err }));
    });
    server.listen(port, host, () => resolve());
  });
}

/** Open an artifact (zip or directory), listen, then load the model in the background. */
export async function startServer(artifact: string, options: ServeOptions): Promise<RunningServer> {
  const log = options.log ?? (() => {});
  const opened = await openArtifact(artifact);
  // A zip is extracted (safely, or refused) before the port opens, so an unsafe artifact never gets served.
  await opened.directory().catch(async (err: unknown) => {
    await opened.close();
    throw err;
  });
  const host = new ModelHost(opened, log, options.threads ? { intraOpNumThreads: options.threads } : undefined);
  await host.describe().catch(() => undefined); // name and signature early; a failure is reported by load()
  const service = new ServeService(host, {
    maxBody: options.maxBody,
    maxBatch: options.maxBatch,
    batchDelayMs: options.batchDelayMs,
  });
  const route = createRouter([...drumRoutes(service), ...v2Routes(service), ...v1Routes(service)]);
  let closing = false;
  const server = createServer((req, res) => {
    const started = performance.now();
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    const head = req.method === 'HEAD';
    const finish = (response: ServeResponse, inference: boolean) => {
      write(res, response, requestId, head, closing);
      service.stats.record(response.status, performance.now() - started, inference);
    };
    readBody(req, options.maxBody)
      .then(
        async (body) => {
          const { path, query } = normalizePath(req.url ?? '/');
          const request: ServeRequest = {
            method: req.method ?? 'GET',
            path,
            query,
            headers: req.headers,
            body,
            requestId,
          };
          const { response, inference } = await route(request);
          finish(response, inference);
        },
        (err: unknown) => {
          res.once('finish', () => req.destroy()); // do not read the rest of an oversized body
          const response = errorResponse(err);
          response.headers = { ...response.headers, connection: 'close' };
          finish(response, false);
        },
      )
      .catch((err: unknown) => {
        if (!res.headersSent) finish(errorResponse(err), false);
      });
  });
  server.keepAliveTimeout = 5_000;
  try {
    await listen(server, options.port, options.host);
  } catch (err) {
    await opened.close();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  const ready = host.load().then(() => {
    if (host.state === 'failed') log(`model failed to load: ${host.loadError?.message}`);
  });
  return {
    url: `http://${shownHost}:${port}`,
    port,
    service,
    ready,
    close: async () => {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const sweep = setInterval(() => server.closeIdleConnections(), 100);
      const force = setTimeout(() => server.closeAllConnections(), 30_000);
      await closed;
      clearInterval(sweep);
      clearTimeout(force);
      await ready;
      await opened.close();
    },
  };
}
