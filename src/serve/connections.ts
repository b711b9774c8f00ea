// The server's connections and whether each still has work: what a graceful stop needs to end idle keep-alive
// connections without cutting an answer still in flight (issue 18 item 1). Node's closeIdleConnections() counts
// a connection idle once res.end() is called, with megabytes possibly still buffered; this counts the bytes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

interface ConnectionState {
  /** Requests received and not yet closed. */
  busy: number;
  /** socket.bytesRead when its last response closed: more since means a next request has begun. */
  readWhenIdle: number;
}

const idle = (socket: Socket, state: ConnectionState) =>
  state.busy === 0 && socket.writableLength === 0 && socket.bytesRead === state.readWhenIdle;

/**
 * The connections of a server and whether each has work left: a request being answered, bytes of an answer not
 * yet handed to the kernel, or bytes of a next request already received. Only those with none are idle.
 */
export function trackConnections() {
  const open = new Map<Socket, ConnectionState>();
  return {
    add: (socket: Socket) => {
      open.set(socket, { busy: 0, readWhenIdle: 0 });
      socket.once('close', () => open.delete(socket));
    },
    requestStarted: (req: IncomingMessage, res: ServerResponse) => {
      const state = open.get(req.socket);
      if (!state) return;
      state.busy++;
      res.once('close', () => {
        state.busy--;
        state.readWhenIdle = req.socket.bytesRead;
      });
    },
    /** Requests not yet answered, or answered with bytes not yet handed to the kernel. */
    unfinished: () => {
      let n = 0;
      for (const [socket, state] of open) n += state.busy > 0 ? state.busy : socket.writableLength > 0 ? 1 : 0;
      return n;
    },
    /** End (FIN after every buffered byte, not destroy) each connection with nothing in flight either way. */
    endIdle: () => {
      for (const [socket, state] of open) if (idle(socket, state) && !socket.writableEnded) socket.end();
    },
  };
}
