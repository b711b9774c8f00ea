// One acceptor of `ood serve --acceptors N`: a node:cluster worker that runs the whole HTTP server (startServer)
// with instances of its own, on the listening socket every acceptor shares, and the artifact its primary
// admitted and extracted. What must be the whole server's (/metrics, the statistics extension, readiness) it
// asks the primary, which asks every acceptor (primary.ts). It stops on the primary's word or on SIGTERM,
// draining what it accepted; SIGINT is the primary's to handle (a terminal sends it to the whole group).
import { toOodError } from '../../errors.js';
import { startServer, type RunningServer } from '../server.js';
import type { ModelState } from '../served-model.js';
import type { ModelStat } from '../model-statistics.js';
import {
  CONFIG_ENV,
  errorShape,
  fromShape,
  isMessage,
  type AcceptorConfig,
  type Collect,
  type ToAcceptor,
  type ToPrimary,
} from './messages.js';
import type { WholeServer } from './whole-server.js';

const config = JSON.parse(process.env[CONFIG_ENV] ?? 'null') as AcceptorConfig | null;
if (!config || !process.send) throw new Error(`acceptor-main.js runs as a worker of ood serve --acceptors`);
const send = (message: ToPrimary, then?: () => void) => process.send!(message, undefined, {}, () => then?.());

let whole: { state: ModelState; error?: ReturnType<typeof fromShape> } = { state: config.state };
let server: RunningServer | undefined;
let stopping = false;
let nextId = 0;
const asked = new Map<number, { resolve(value: unknown): void; reject(err: Error): void }>();

function ask(what: Collect): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    asked.set(id, { resolve, reject });
    send({ type: 'ood:ask', id, what });
  });
}

async function collect(what: Collect): Promise<unknown> {
  if (!server) return undefined;
  if (what === 'metrics') return server.service.metrics?.registry.getMetricsAsJSON();
  const { name, version } = server.engine.description;
  return server.service.statistics.snapshot(name, version);
}

async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  const { cut } = server ? await server.close() : { cut: 0 };
  send({ type: 'ood:stopped', cut }, () => process.exit(0));
}

process.on('message', (message: unknown) => {
  if (!isMessage<ToAcceptor>(message)) return;
  if (message.type === 'ood:answer') {
    const waiting = asked.get(message.id);
    asked.delete(message.id);
    if (message.error !== undefined) waiting?.reject(new Error(message.error));
    else waiting?.resolve(message.value);
  } else if (message.type === 'ood:collect') {
    void collect(message.what).then(
      (value) => send({ type: 'ood:collected', id: message.id, value }),
      () => send({ type: 'ood:collected', id: message.id, value: undefined }),
    );
  } else if (message.type === 'ood:state')
    whole = { state: message.state, error: message.error ? fromShape(message.error) : undefined };
  else if (message.type === 'ood:stop') void stop();
});
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => void stop());

const wholeServer: WholeServer = {
  index: config.index,
  metrics: async () => (await ask('metrics')) as { contentType: string; text: string },
  modelStat: async () => (await ask('stats')) as ModelStat,
  state: () => whole,
};

try {
  server = await startServer(config.dir, {
    ...config.options,
    acceptor: { whole: wholeServer, listenWhenReady: config.listenWhenReady },
  });
} catch (err) {
  send({ type: 'ood:start-failed', error: errorShape(toOodError(err)) }, () => process.exit(1));
}
if (server) {
  const running = server;
  send({ type: 'ood:listening', port: running.port });
  await running.ready;
  const { state, loadError, description, warnings } = running.engine;
  send({
    type: 'ood:loaded',
    state,
    name: description.name,
    warnings,
    error: loadError ? errorShape(loadError) : undefined,
  });
}
