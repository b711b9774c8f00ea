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

/** Forward everything to `target` ("127.0.0.1:port"), rewriting Location headers back to the proxy. */
export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const requests: RecordedRequest[] = [];
  let self = '';
  const server = http.createServer((req, res) => {
    const record: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', bodyBytes: 0 };
    requests.push(record);
    req.on('data', (chunk: Buffer) => (record.bodyBytes += chunk.length));
    const upstream = http.request(
      {
        host: target.split(':')[0],
        port: Number(target.split(':')[1]),
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target },
      },
      (up) => {
        const headers = { ...up.headers };
        if (typeof headers.location === 'string')
          headers.location = headers.location.replace(`http://${target}`, `http://${self}`);
        res.writeHead(up.statusCode ?? 502, headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
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
