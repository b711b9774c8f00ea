// A small in-memory OCI distribution registry on loopback, for the behaviours Debian's docker-registry does not
// exercise: relative upload Locations that change on every step (a stale one is refused), PATCHes that the
// registry only partly accepts or refuses with 416, the bearer-token challenge flow with a token endpoint, and
// tags-list pagination (distribution 2.8 ignores `n` for tags).
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRegistryOptions {
  /** Keep only this fraction of each PATCH body (reporting the shorter Range), to force resumption. */
  acceptFraction?: number;
  /** Answer the first PATCH of every upload with 416, to force a status GET. */
  refuseFirstPatch?: boolean;
  /** Require bearer tokens from /token, which wants these basic credentials (anonymous when absent). */
  bearer?: { username?: string; password?: string; refreshToken?: string };
  /** Refuse manifest PUTs with 403 DENIED, as a registry does for a read-only account. */
  denyManifestPush?: boolean;
}

export interface FakeRegistry {
  host: string;
  requests: { method: string; url: string }[];
  tokenScopes: string[];
  blobs: Map<string, Buffer>;
  close(): Promise<void>;
}

interface Upload {
  data: Buffer[];
  size: number;
  step: number;
  patches: number;
}

const json = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};
const fail = (
  res: http.ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
) => json(res, status, { errors: [{ code, message }] }, headers);

async function readAll(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Start the fake registry on 127.0.0.1 with a random port. */
export async function startFakeRegistry(options: FakeRegistryOptions = {}): Promise<FakeRegistry> {
  const blobs = new Map<string, Buffer>();
  const manifests = new Map<string, { bytes: Buffer; type: string }>();
  const uploads = new Map<string, Upload>();
  const requests: { method: string; url: string }[] = [];
  const tokenScopes: string[] = [];
  const tokens = new Set<string>();
  let host = '';
  let nextId = 0;

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', `http://${host}`);
    requests.push({ method: req.method ?? '', url: `${url.pathname}${url.search}` });
    const body = await readAll(req);
    if (url.pathname === '/token') {
      const want = options.bearer;
      const basic = want?.username
        ? `Basic ${Buffer.from(`${want.username}:${want.password}`).toString('base64')}`
        : undefined;
      if (req.method === 'POST') {
        // OAuth2 refresh-token grant (distribution token spec, oauth.md).
        const form = new URLSearchParams(body.toString('utf8'));
        if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== want?.refreshToken)
          return fail(res, 401, 'UNAUTHORIZED', 'bad refresh token');
        tokenScopes.push(...(form.get('scope') ?? '').split(' '));
        const token = `tok-${tokens.size}`;
        tokens.add(token);
        return json(res, 200, { access_token: token, expires_in: 300 });
      }
      if (want?.refreshToken) return fail(res, 401, 'UNAUTHORIZED', 'this service only takes refresh tokens');
      if (basic && req.headers.authorization !== basic) return fail(res, 401, 'UNAUTHORIZED', 'bad credentials');
      tokenScopes.push(...url.searchParams.getAll('scope'));
      const token = `tok-${tokens.size}`;
      tokens.add(token);
      return json(res, 200, { token, expires_in: 300 });
    }
    if (options.bearer && !tokens.has((req.headers.authorization ?? '').replace(/^Bearer /, ''))) {
      return fail(res, 401, 'UNAUTHORIZED', 'authentication required', {
        'www-authenticate': `Bearer realm="http://${host}/token",service="fake",scope="repository:probe:pull"`,
      });
    }
    if (url.pathname === '/v2/') return json(res, 200, {});
    const m = /^\/v2\/(.+?)\/(blobs\/uploads\/(\w*)|blobs\/(sha256:[a-f0-9]+)|manifests\/([^/]+)|tags\/list)$/.exec(
      url.pathname,
    );
    if (!m) return fail(res, 404, 'NAME_UNKNOWN', 'no such route');
    const [, repo, , uploadId, blobDigest, manifestRef] = m;
    if (uploadId !== undefined && req.method === 'POST') {
      const id = `u${nextId++}`;
      uploads.set(id, { data: [], size: 0, step: 0, patches: 0 });
      res.writeHead(202, { location: `/v2/${repo}/blobs/uploads/${id}?state=0`, 'content-length': '0' });
      return res.end();
    }
    if (uploadId) {
      const up = uploads.get(uploadId);
      if (!up) return fail(res, 404, 'BLOB_UPLOAD_UNKNOWN', 'unknown upload');
      if (url.searchParams.get('state') !== String(up.step))
        return fail(res, 400, 'BLOB_UPLOAD_INVALID', 'stale upload location');
      const advance = () => {
        up.step += 1;
        return { location: `/v2/${repo}/blobs/uploads/${uploadId}?state=${up.step}`, range: `0-${up.size - 1}` };
      };
      if (req.method === 'GET') {
        const { location, range } = advance();
        res.writeHead(204, { location, range, 'content-length': '0' });
        return res.end();
      }
      if (req.method === 'PATCH') {
        up.patches += 1;
        const [start] = String(req.headers['content-range'] ?? '')
          .split('-')
          .map(Number);
        if ((options.refuseFirstPatch && up.patches === 1) || start !== up.size)
          return fail(res, 416, 'BLOB_UPLOAD_INVALID', `expected range to start at ${up.size}`);
        const keep = Math.max(1, Math.floor(body.length * (options.acceptFraction ?? 1)));
        up.data.push(body.subarray(0, keep));
        up.size += keep;
        const { location, range } = advance();
        res.writeHead(202, { location, range, 'content-length': '0' });
        return res.end();
      }
      if (req.method === 'PUT') {
        const all = Buffer.concat([...up.data, body]);
        const digest = `sha256:${createHash('sha256').update(all).digest('hex')}`;
        if (digest !== url.searchParams.get('digest'))
          return fail(res, 400, 'DIGEST_INVALID', 'digest does not match content');
        blobs.set(digest, all);
        uploads.delete(uploadId);
        res.writeHead(201, { location: `/v2/${repo}/blobs/${digest}`, 'content-length': '0' });
        return res.end();
      }
    }
    if (blobDigest) {
      const blob = blobs.get(blobDigest);
      if (!blob) return fail(res, 404, 'BLOB_UNKNOWN', 'blob unknown to registry');
      res.writeHead(200, { 'content-length': String(blob.length), 'docker-content-digest': blobDigest });
      return res.end(req.method === 'HEAD' ? undefined : blob);
    }
    if (manifestRef) {
      const key = `${repo}:${manifestRef}`;
      if (req.method === 'PUT' && options.denyManifestPush)
        return fail(res, 403, 'DENIED', 'requested access to the resource is denied');
      if (req.method === 'PUT') {
        const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
        const entry = { bytes: body, type: String(req.headers['content-type']) };
        manifests.set(key, entry);
        manifests.set(`${repo}:${digest}`, entry);
        res.writeHead(201, { 'docker-content-digest': digest, 'content-length': '0' });
        return res.end();
      }
      const entry = manifests.get(key);
      if (!entry) return fail(res, 404, 'MANIFEST_UNKNOWN', 'manifest unknown');
      res.writeHead(200, { 'content-type': entry.type, 'content-length': String(entry.bytes.length) });
      return res.end(req.method === 'HEAD' ? undefined : entry.bytes);
    }
    const all = [...manifests.keys()]
      .filter((k) => k.startsWith(`${repo}:`) && !k.slice(repo!.length + 1).startsWith('sha256:'))
      .map((k) => k.slice(repo!.length + 1))
      .sort();
    // Pagination as in the distribution spec: n per page, `last` to continue, a relative Link to the next page.
    const n = Number(url.searchParams.get('n') ?? all.length);
    const last = url.searchParams.get('last');
    const from = last ? all.filter((t) => t > last) : all;
    const page = from.slice(0, n);
    const more =
      from.length > n
        ? { link: `</v2/${repo}/tags/list?n=${n}&last=${page[page.length - 1]}>; rel="next"` }
        : undefined;
    return json(res, 200, { name: repo, tags: page }, more);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    requests,
    tokenScopes,
    blobs,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
