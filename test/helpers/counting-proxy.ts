// A loopback HTTP proxy in front of a registry that records every request (method, path, body bytes), so that
// tests can check on the wire what a push really sent — independently of the client's own counters.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  bodyBytes: number;
}

export interface CountingProxy {
  host: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * Send `req` on to `target` ("127.0.0.1:port") and answer `res` with the upstream's status and headers, its
 * Location rewritten from the target to the proxy (`self`). The body is piped unless `onBody` takes it over.
 * Returns the upstream request: the caller writes (or pipes) the request body into it.
 */
export function forwardTo(
  target: string,
  self: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  onBody: (up: http.IncomingMessage) => void = (up) => up.pipe(res),
): http.ClientRequest {
  const [host, port] = target.split(':');
  const upstream = http.request(
    { host, port: Number(port), method: req.method, path: req.url, headers: { ...req.headers, host: target } },
    (up) => {
      const headers = { ...up.headers };
      if (typeof headers.location === 'string')
        headers.location = headers.location.replace(`http://${target}`, `http://${self}`);
      res.writeHead(up.statusCode ?? 502, headers);
      onBody(up);
    },
  );
  upstream.on('error', () => res.destroy());
  return upstream;
}

/** Forward everything to `target` ("127.0.0.1:port"), rewriting Location headers back to the proxy. */
export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const requests: RecordedRequest[] = [];
  let self = '';
  const server = http.createServer((req, res) => {
    const record: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', bodyBytes: 0 };
    requests.push(record);
    req.on('data', (chunk: Buffer) => (record.bodyBytes += chunk.length));
    req.pipe(forwardTo(target, self, req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  self = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host: self,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
