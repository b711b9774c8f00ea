// The messages between the primary process of `ood serve --acceptors N` and its acceptors (node:cluster workers,
// over their IPC channel). An acceptor gets its configuration in its environment, so it has it before any
// message could arrive.
import { OodError, isErrorCode } from '../../errors.js';
import type { ServeOptions } from '../server.js';
import type { ModelState } from '../served-model.js';

export const CONFIG_ENV = 'OOD_ACCEPTOR_CONFIG';

/** What an acceptor starts with. */
export interface AcceptorConfig {
  index: number;
  /** The artifact as the directory the primary admitted and extracted. */
  dir: string;
  /** Serve options as the acceptor runs them: its own instances, its share of --max-memory. */
  options: Omit<ServeOptions, 'log' | 'acceptor'>;
  /** A replacement for a crashed acceptor listens only once its instances are up. */
  listenWhenReady: boolean;
  /** The whole server's state as the acceptor starts (a replacement joins a server that is ready). */
  state: ModelState;
}

/** An error as it crosses processes: enough to rebuild the OodError from the one table. */
export interface ErrorShape {
  code: string;
  message: string;
  hint?: string;
}

export type Collect = 'metrics' | 'stats';

export type ToPrimary =
  | { type: 'ood:listening'; port: number }
  | { type: 'ood:loaded'; state: ModelState; name: string; warnings: string[]; error?: ErrorShape }
  | { type: 'ood:start-failed'; error: ErrorShape }
  | { type: 'ood:ask'; id: number; what: Collect }
  | { type: 'ood:collected'; id: number; value: unknown }
  | { type: 'ood:stopped'; cut: number };

export type ToAcceptor =
  | { type: 'ood:answer'; id: number; value?: unknown; error?: string }
  | { type: 'ood:collect'; id: number; what: Collect }
  | { type: 'ood:state'; state: ModelState; error?: ErrorShape }
  | { type: 'ood:stop' };

export function isMessage<T extends { type: string }>(message: unknown): message is T {
  return typeof (message as { type?: unknown })?.type === 'string' && (message as T).type.startsWith('ood:');
}

/** The error in a form that crosses processes. */
export function errorShape(err: OodError): ErrorShape {
  return { code: err.code, message: err.message, hint: err.hint };
}

/** The OodError an ErrorShape stands for (an unknown code becomes INTERNAL with the same message). */
export function fromShape(shape: ErrorShape): OodError {
  return isErrorCode(shape.code)
    ? new OodError(shape.code, shape.message, { hint: shape.hint })
    : new OodError('INTERNAL', shape.message, { hint: shape.hint });
}
