// The node:http adapter: reads a bounded body, stamps X-Request-ID, hands the request to the router, writes the
// response, and records it (access log, /stats, /metrics, the statistics extension). It listens before the model
// loads, so /health can say "loading" or 513. The model runs in instances of its own (engine/), so this thread
// only parses, validates and answers, and keeps answering /health and /metrics while every instance is busy.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Server } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { OodError } from '../errors.js';
import { errorResponse, normalizePath, type ServeRequest, type ServeResponse } from './http.js';
import { createRouter } from './router.js';
import { ServeService } from './service.js';
import { drumRoutes, normalizeUrlPrefix } from './protocols/drum.js';
import { v1Routes } from './protocols/v1.js';
import { v2Routes } from './protocols/v2.js';
import { prometheusRoutes } from './protocols/prometheus.js';
import { ModelEngine } from './engine/model-engine.js';
import { planInstances } from './engine/instance-plan.js';
import type { Isolation } from './engine/instance-host.js';
import { ServeMetrics } from './metrics.js';
import { createLogger, levelForStatus, type LogFormat, type Logger, type LogLevel } from './logger.js';
import { openServedArtifact } from './served-artifact.js';
import { gatedModel, type WholeServer } from './acceptors/whole-server.js';
import { recordedOodThreshold } from './ood-threshold.js';
import { listen } from './listen.js';
import { trackConnections } from './connections.js';
import { MemoryBudget, defaultMemoryBudget, type MemoryAccount } from './memory-budget.js';

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
  /** Model instances; default from the cores and --threads (engine/instance-plan.ts). */
  instances?: number;
  /** onnxruntime intra-op threads per instance. */
  threads?: number;
  /** Instances as child processes (default: a native crash kills only the instance) or worker threads. */
  isolation?: Isolation;
  /** Bytes of request bodies and tensors all requests in flight may hold (memory-budget.ts; default: half the
   * memory the process may use). */
  maxMemory?: number;
  /** Requests allowed to wait for an instance; one more gets 503 with Retry-After (default 256). */
  maxQueue?: number;
  /** Deadline of each inference request in ms; past it, 504 (default 60 000; 0: none). */
  timeoutMs?: number;
  /** On close: how long in-flight requests may take before connections are cut, in ms (default 30 000). */
  drainTimeoutMs?: number;
  /** Scores below this count as out-of-distribution in /metrics (default: the threshold `ood enable` recorded). */
  oodThreshold?: number;
  /** DRUM's URL_PREFIX: the path the DRUM routes are mounted under (default: the URL_PREFIX environment variable). */
  urlPrefix?: string;
  logFormat?: LogFormat;
  logLevel?: LogLevel;
  /** Where log lines go (default stderr). */
  log?: (line: string) => void;
  /**
   * Set in an acceptor process of `--acceptors` (acceptors/acceptor-main.ts): the artifact is the directory its
   * primary admitted and extracted; /metrics, the statistics extension and readiness are the whole server's;
   * `listenWhenReady` (a restarted acceptor) joins the listening socket only once its instances are up.
   */
  acceptor?: { whole: WholeServer; listenWhenReady: boolean };
}

/** A listening server. `ready` settles when the model has loaded (or failed to). */
export interface RunningServer {
  url: string;
  port: number;
  service: ServeService;
  engine: ModelEngine;
  ready: Promise<void>;
  /** Requests received and not yet answered. */
  readonly inFlight: number;
  /**
   * Stop accepting, let in-flight requests finish (up to the drain timeout), stop the instances, release the
   * artifact. `cut`: requests still unanswered or unflushed when the drain timeout passed (0 when all finished).
   */
  close(): Promise<{ cut: number }>;
}

const REQUEST_ID = /^[\x21-\x7e]{1,200}$/;

function readBody(req: IncomingMessage, limit: number, memory: MemoryAccount): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    const tooLarge = () =>
      new OodError('BODY_TOO_LARGE', `the request body exceeds the ${limit}-byte limit`, {
        hint: 'Send a smaller batch, or restart the server with a larger --max-body.',
      });
    if (declared > limit) return reject(tooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    const refuse = (err: unknown) => {
      req.removeAllListeners('data');
      req.pause();
      reject(err);
    };
    try {
      memory.take(declared, 'body'); // before a byte is read: a refused body is never buffered
    } catch (err) {
      return reject(err);
    }
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return refuse(tooLarge());
      try {
        if (size > declared) memory.take(Math.min(chunk.length, size - declared), 'body');
      } catch (err) {
        return refuse(err);
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

function write(res: ServerResponse, response: ServeResponse, requestId: string, head: boolean, closing: boolean) {
  const body = response.body ?? '';
  const bytes = Buffer.byteLength(body);
  const headers: Record<string, string | number> = {
    ...response.headers,
    'x-request-id': requestId,
    'content-length': bytes,
  };
  if (closing) headers.connection = 'close';
  res.writeHead(response.status, headers);
  res.end(head ? undefined : body);
  return head ? 0 : bytes;
}

/** Whether a body read failed because the client closed the connection (not because the body was bad). */
function clientWentAway(req: IncomingMessage, err: unknown): boolean {
  return req.readableAborted || (err as NodeJS.ErrnoException | undefined)?.code === 'ECONNRESET';
}

function errorCode(response: ServeResponse): string | undefined {
  if (response.status < 400 || typeof response.body !== 'string') return undefined;
  try {
    return (JSON.parse(response.body) as { code?: string }).code;
  } catch {
    return undefined;
  }
}

/** Open an artifact (zip or directory), listen, then start the model instances in the background. */
export async function startServer(artifact: string, options: ServeOptions): Promise<RunningServer> {
  const whole = options.acceptor?.whole;
  const log: Logger = createLogger({
    format: options.logFormat,
    level: options.logLevel,
    write: options.log,
    fields: whole ? { acceptor: whole.index } : undefined,
  });
  const urlPrefix = normalizeUrlPrefix(options.urlPrefix ?? process.env.URL_PREFIX);
  // One acceptor's plan: with --acceptors, the primary resolved instances and threads for each (primary.ts).
  // startServer is one acceptor, whether alone or one of the primary's.
  const plan = planInstances({
    acceptors: 1,
    instances: options.instances,
    threads: options.threads,
    isolation: options.isolation,
  });
  const artifactOnDisk = await openServedArtifact(artifact, log, whole !== undefined);
  const { reader, dir } = artifactOnDisk;
  const engine = new ModelEngine(reader, dir, {
    plan,
    maxBatch: options.maxBatch ?? 0,
    maxDelayMs: options.batchDelayMs ?? 0,
    maxQueue: options.maxQueue ?? 256,
    log,
    events: {
      // Called only once instances run, after `svc` below exists.
      batch: (rows, requests, result) => {
        if (!result) return;
        metrics.batch(rows);
        svc.statistics.execution(rows, requests, result.inferMs);
      },
      restart: () => metrics.restarted(),
    },
  });
  await engine.describe().catch(() => undefined); // name and signature early; a failure is reported by load()
  const threshold = options.oodThreshold ?? (await recordedOodThreshold(dir, engine.description));
  let inFlight = 0;
  // close() waits for this as well as for the connections: a request whose client hung up is still in the
  // scheduler or an instance, and stopping the engine under it would log a 503 or an instance crash for it.
  let allAnswered: (() => void) | undefined;
  const answered = () => {
    if (--inFlight === 0) allAnswered?.();
  };
  const memory = new MemoryBudget(options.maxMemory ?? defaultMemoryBudget());
  const metrics = new ServeMetrics(
    engine.description.name,
    threshold,
    () => engine.scheduler.depth,
    () => memory,
    () => inFlight,
  );
  const svc = new ServeService(
    whole ? gatedModel(engine, whole) : engine,
    {
      maxBody: options.maxBody,
      maxBatch: options.maxBatch,
      batchDelayMs: options.batchDelayMs,
      timeoutMs: options.timeoutMs ?? 60_000,
    },
    metrics,
    whole,
  );
  const route = createRouter([
    ...drumRoutes(svc, { urlPrefix, codeDir: dir }),
    ...v2Routes(svc),
    ...v1Routes(svc),
    ...prometheusRoutes(svc),
  ]);
  let closing = false;
  const connections = trackConnections();
  const server = createServer((req, res) => {
    inFlight++;
    connections.requestStarted(req, res);
    const receivedAt = performance.now();
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    const head = req.method === 'HEAD';
    const { path, query } = normalizePath(req.url ?? '/');
    const request: ServeRequest = {
      method: req.method ?? 'GET',
      path,
      query,
      headers: req.headers,
      body: Buffer.alloc(0),
      requestId,
      receivedAt,
      timings: {},
      memory: memory.open(),
    };
    // 'close' follows the last byte written, or the client going away: either way the request holds nothing more.
    res.once('close', () => request.memory!.release());
    const finish = (response: ServeResponse, inference: boolean, label: string) => {
      const bytesOut = write(res, response, requestId, head, closing);
      const ms = performance.now() - receivedAt;
      svc.stats.record(response.status, ms, inference);
      const t = request.timings;
      metrics.request({ route: label, status: response.status, seconds: ms / 1000, ...(inference ? t : {}) });
      if (inference) svc.statistics.request({ ok: response.status < 400, totalMs: ms, rows: t.rows ?? 0, ...t });
      const level = levelForStatus(response.status);
      if (log.enabled(level))
        log(level, 'request', {
          request_id: requestId,
          method: request.method,
          route: label,
          path,
          model: engine.description.name,
          status: response.status,
          code: errorCode(response),
          bytes_in: request.body.length,
          bytes_out: bytesOut,
          decode_ms: t.decodeMs,
          queue_ms: t.queueMs,
          inference_ms: t.inferMs,
          encode_ms: t.encodeMs,
          batch_size: t.batchSize,
          total_ms: ms,
        });
      answered();
    };
    readBody(req, options.maxBody, request.memory!)
      .then(
        async (body) => {
          request.body = body;
          const routed = await route(request);
          finish(routed.response, routed.inference, routed.route);
        },
        (err: unknown) => {
          if (clientWentAway(req, err)) {
            // Nobody to answer: counted as aborted (/stats, /metrics), never as a 500 or in the latencies.
            svc.stats.aborted++;
            metrics.aborted();
            log('info', 'request aborted by the client', { request_id: requestId, method: request.method, path });
            answered();
            return;
          }
          res.once('finish', () => req.destroy()); // do not read the rest of an oversized body
          const response = errorResponse(err);
          response.headers = { ...response.headers, connection: 'close' };
          finish(response, false, 'unread');
        },
      )
      .catch((err: unknown) => {
        if (!res.headersSent) finish(errorResponse(err), false, 'failed');
        else answered();
      });
  });
  server.on('connection', connections.add);
  server.keepAliveTimeout = 5_000;
  const loaded = options.acceptor?.listenWhenReady ? engine.load() : undefined;
  try {
    await loaded;
    if (loaded && engine.state === 'failed') throw engine.loadError!; // a replacement that cannot serve stays out
    await listen(server, options.port, options.host);
  } catch (err) {
    await engine.stop();
    await artifactOnDisk.release();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  const ready = (loaded ?? engine.load()).then(() => {
    if (engine.state === 'failed') log('error', `model failed to load: ${engine.loadError?.message}`);
    else
      log('info', `model "${engine.description.name}" ready`, {
        instances: plan.instances,
        threads: plan.threads,
        isolation: plan.isolation,
      });
  });
  return {
    url: `http://${shownHost}:${port}`,
    port,
    service: svc,
    engine,
    ready,
    get inFlight() {
      return inFlight;
    },
    close: async () => {
      closing = true; // every response from now on carries Connection: close
      // Stop accepting, but do not cut the connections already accepted: http.Server.close() would also close
      // "idle" ones, which includes a connection whose request has not been parsed yet.
      const closed = new Promise<void>((resolve) => Server.prototype.close.call(server, () => resolve()));
      const budget = options.drainTimeoutMs ?? 30_000;
      // After a grace period, connections with nothing left to do (keep-alive ones between requests) are ended.
      // Not server.closeIdleConnections(): Node counts a connection idle once res.end() is called, with
      // megabytes of the answer still buffered, and destroying it cuts the answer off (issue 18 item 1).
      let sweep: NodeJS.Timeout | undefined;
      const grace = setTimeout(
        () => {
          connections.endIdle();
          sweep = setInterval(() => connections.endIdle(), 50);
        },
        Math.min(500, budget),
      );
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((r) => (timer = setTimeout(() => r(true), budget)));
      const finished = new Promise<void>((resolve) => (inFlight === 0 ? resolve() : (allAnswered = resolve)));
      let cut = 0;
      if (await Promise.race([Promise.all([closed, finished]).then(() => false), timedOut])) {
        cut = Math.max(connections.unfinished(), inFlight);
        log('warn', `drain timeout: cutting ${cut} requests still in flight`, { drain_ms: budget });
        server.closeAllConnections();
        await closed;
      }
      clearTimeout(timer);
      clearTimeout(grace);
      clearInterval(sweep);
      await ready;
      await engine.stop();
      await artifactOnDisk.release();
      return { cut };
    },
  };
}
