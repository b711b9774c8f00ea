// Listening with errors a user can act on: a port in use or forbidden names the port and what to do.
import type { Server } from 'node:http';
import { OodError } from '../errors.js';

/** Listen on host:port; rejects with PORT_IN_USE, PORT_FORBIDDEN or LISTEN_FAILED. */
export function listen(server: Server, port: number, host: string): Promise<void> {
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
