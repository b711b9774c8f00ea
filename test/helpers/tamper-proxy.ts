// A loopback proxy in front of a registry that forwards everything except the requests a rule picks, which it
// attacks: never answer, stall or break off mid-body, reset the connection, answer with a transient status, or
// answer with whatever hostile response the test writes. For timeouts, retries, resumption and malformed answers.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { forwardTo } from './counting-proxy.js';

/** What to do to a picked request. */
export type Attack =
  | { kind: 'stall-headers' }
  | { kind: 'stall-body' | 'reset-body'; afterBytes: number }
  | { kind: 'reset' }
  /** Forward the request's first bytes to the registry, then break both connections (a chunk cut in transit). */
  | { kind: 'cut-request'; afterBytes: number }
  | { kind: 'status'; status: number; headers?: Record<string, string> }
  | { kind: 'respond'; respond: (res: http.ServerResponse, self: string) => void };

export interface TamperRule {
  method?: string;
  /** Matched against the path and query. */
  path: RegExp;
  attack: Attack;
  /** Attack only this many matching requests (default: all of them). */
  times?: number;
}

export interface TamperProxy {
  host: string;
  /** Requests seen, as "METHOD path", and which of them were attacked. */
  seen: string[];
  attacked: string[];
  close(): Promise<void>;
}

/** Forward to `target` ("127.0.0.1:port") through `rules`, rewriting absolute Locations back to the proxy. */
export async function startTamperProxy(target: string, rules: TamperRule[]): Promise<TamperProxy> {
  const seen: string[] = [];
  const attacked: string[] = [];
  const used = rules.map(() => 0);
  let self = '';
  const server = http.createServer((req, res) => {
    const line = `${req.method} ${req.url}${req.headers.range ? ` range=${req.headers.range}` : ''}`;
    seen.push(line);
    const index = rules.findIndex(
      (r, i) =>
        (r.method === undefined || r.method === req.method) &&
        r.path.test(req.url ?? '') &&
        used[i]! < (r.times ?? Infinity),
    );
    const attack = index >= 0 ? rules[index]!.attack : undefined;
    if (index >= 0) {
      used[index]! += 1;
      attacked.push(line);
    }
    if (attack?.kind === 'stall-headers') return void req.resume();
    if (attack?.kind === 'reset') return void req.socket.destroy();
    if (attack?.kind === 'status') {
      req.resume();
      res.writeHead(attack.status, { 'content-type': 'application/json', ...attack.headers });
      return void res.end(JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: 'try later' }] }));
    }
    if (attack?.kind === 'respond') {
      req.resume();
      return attack.respond(res, self);
    }
    const upstream = forwardTo(target, self, req, res, (up) => {
      if (attack?.kind !== 'stall-body' && attack?.kind !== 'reset-body') return void up.pipe(res);
      let sent = 0;
      up.on('data', (chunk: Buffer) => {
        if (sent >= attack.afterBytes) return;
        const part = chunk.subarray(0, attack.afterBytes - sent);
        sent += part.length;
        res.write(part);
        if (sent < attack.afterBytes) return;
        up.destroy();
        if (attack.kind === 'reset-body') res.socket?.destroy();
      });
      up.on('end', () => {
        if (sent < attack.afterBytes) res.end();
      });
    });
    if (attack?.kind !== 'cut-request') return void req.pipe(upstream);
    let forwarded = 0;
    req.on('data', (chunk: Buffer) => {
      if (forwarded >= attack.afterBytes) return;
      const part = chunk.subarray(0, attack.afterBytes - forwarded);
      forwarded += part.length;
      upstream.write(part);
      if (forwarded < attack.afterBytes) return;
      // Let the registry take in what it was sent, then cut both sides.
      setTimeout(() => {
        upstream.destroy();
        req.socket.destroy();
      }, 200);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  self = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host: self,
    seen,
    attacked,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
