// The CLI side of `ood serve`: print where to reach the server and what became of the model (stdout), stop it on
// SIGTERM or SIGINT, and return the exit code. The server itself is the library's startServer.
import { constants } from 'node:os';
import { EXIT_CODES } from '../errors.js';
import { startServer, type ServeOptions } from '../serve/server.js';
import type { ServeHandle } from '../serve/acceptors/primary.js';

export interface ServeCliOptions extends ServeOptions {
  /** Lifecycle lines on stdout as JSON. */
  json: boolean;
  /** HTTP acceptor processes (default 1: the server runs in this process). */
  acceptors?: number;
}

/**
 * One server process, or a primary and its acceptors (`--acceptors N`, N > 1). An inline server always has the
 * primary, even with one acceptor: its model runs in the acceptor's process, and a native crash there must not end
 * the server (the primary replaces the acceptor).
 */
async function start(artifact: string, options: ServeOptions & { acceptors?: number }): Promise<ServeHandle> {
  if ((options.acceptors ?? 1) > 1 || options.isolation === 'inline') {
    const { startAcceptors } = await import('../serve/acceptors/primary.js');
    return startAcceptors(artifact, options);
  }
  const server = await startServer(artifact, options);
  const model = server.service.model;
  return {
    url: server.url,
    port: server.port,
    ready: server.ready,
    model: {
      get state() {
        return model.state;
      },
      get name() {
        return model.description.name;
      },
      get warnings() {
        return model.warnings;
      },
      get loadError() {
        return model.loadError;
      },
    },
    plan: server.engine.plan,
    pids: () => [process.pid],
    close: () => server.close(),
  };
}

/** Run a server until a signal arrives. Lines on stdout: "listening on URL", then "ready" or the load error. */
export async function serveUntilSignal(artifact: string, options: ServeCliOptions): Promise<number> {
  const say = (event: string, fields: Record<string, unknown>, text: string) =>
    process.stdout.write(options.json ? `${JSON.stringify({ event, ...fields })}\n` : `${text}\n`);
  const { json: _json, ...serveOptions } = options;
  // A reader that went away (`ood serve | head -n 1`, a log pipe that closed) must not stop the server: a write
  // to a closed stdout or stderr fails with EPIPE as an 'error' event, which would otherwise crash the process.
  // What would have been printed is dropped; the server keeps answering and still drains on SIGTERM.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  const server = await start(artifact, serveOptions);
  const signal = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  say('listening', { url: server.url, port: server.port }, `ood serve: listening on ${server.url}`);
  void server.ready.then(() => {
    const { model: host, plan } = server;
    const { acceptors, instances, threads, isolation } = plan;
    const shape =
      acceptors > 1 || isolation === 'inline'
        ? `${acceptors} acceptors x ${instances} instances x ${threads} threads`
        : `${instances} instances x ${threads} threads`;
    if (host.state === 'ready')
      say(
        'ready',
        {
          model: host.name,
          acceptors,
          instances,
          threads,
          isolation,
          pids: server.pids(),
          warnings: host.warnings,
        },
        `ood serve: model "${host.name}" is ready (${shape}, ${isolation === 'inline' ? "each instance on its acceptor's HTTP thread" : `each instance in its own ${isolation}`})` +
          host.warnings.map((w) => `\nood serve: WARNING: ${w}`).join(''),
      );
    else
      say(
        'load_failed',
        { error: host.loadError?.message },
        `ood serve: the model failed to load (GET /health answers 513): ${host.loadError?.message}`,
      );
  });
  const received = await signal;
  say(
    'stopping',
    { signal: received },
    `ood serve: ${received} received, finishing requests in flight (send it again to stop at once)`,
  );
  // A second signal stops at once: exit 128 + the signal's number (143 for SIGTERM, 130 for SIGINT), what a shell
  // reports for a process the signal ended, so a supervisor sees "stopped by signal", not 70 ("a bug in ood").
  // The 'exit' hook of temp-dirs.ts still removes the extracted artifact.
  const again = (name: 'SIGTERM' | 'SIGINT') => () => process.exit(128 + constants.signals[name]);
  process.once('SIGTERM', again('SIGTERM'));
  process.once('SIGINT', again('SIGINT'));
  const { cut } = await server.close();
  if (cut > 0) {
    // Accepted requests were not finished: a non-zero exit tells the supervisor (docs/serve.md, "Stopping").
    say('stopped', { cut }, `ood serve: stopped; ${cut} requests were cut at the drain timeout (--drain-timeout)`);
    return EXIT_CODES.check;
  }
  say('stopped', {}, 'ood serve: stopped');
  return EXIT_CODES.ok;
}
