// The registry auth flow (distribution "Token Authentication Specification" and RFC 7235): on a 401 the
// WWW-Authenticate header says Basic or Bearer. Basic: resend with the credentials. Bearer: ask the realm for a
// token for our scope (with basic credentials when we have them, anonymously otherwise) and resend with it.
import { OodError } from '../errors.js';
import type { Credentials } from './credentials.js';
import { readBody, type HttpTransport } from './http-transport.js';

/** A parsed WWW-Authenticate challenge. */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parse `Bearer realm="…",service="…",scope="…"` (quoted or token values). */
export function parseChallenge(header: string): Challenge {
  const space = header.indexOf(' ');
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const params: Record<string, string> = {};
  const re = /([a-zA-Z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  for (const m of header.slice(space + 1).matchAll(re))
    params[m[1]!.toLowerCase()] = m[2]?.replace(/\\(.)/g, '$1') ?? m[3] ?? '';
  return { scheme, params };
}

function basic(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

/** Holds the Authorization header for one registry and repository, and earns it from challenges. */
export class Authenticator {
  private header: string | undefined;

  constructor(
    private readonly transport: HttpTransport,
    private readonly credentials: Credentials | undefined,
    private readonly scope: string,
  ) {}

  get authorization(): string | undefined {
    return this.header;
  }

  /** Answer a challenge; returns false when there is nothing new to try (the caller reports the 401). */
  async answer(wwwAuthenticate: string | undefined): Promise<boolean> {
    if (!wwwAuthenticate) return false;
    const challenge = parseChallenge(wwwAuthenticate);
    if (challenge.scheme === 'basic') {
      if (!this.credentials || this.credentials.identityToken) return false;
      const next = basic(this.credentials);
      if (next === this.header) return false;
      this.header = next;
      return true;
    }
    if (challenge.scheme !== 'bearer' || !challenge.params.realm) return false;
    const token = await this.fetchToken(challenge);
    const next = `Bearer ${token}`;
    if (next === this.header) return false;
    this.header = next;
    return true;
  }

  private async fetchToken(challenge: Challenge): Promise<string> {
    let url: URL;
    try {
      url = new URL(challenge.params.realm!);
    } catch (err) {
      throw new OodError(
        'AUTH_TOKEN_INVALID',
        `the registry named a token service "${challenge.params.realm!.slice(0, 200)}" that is not a URL`,
        { cause: err, hint: "Check the registry's auth configuration (its token realm)." },
      );
    }
    const scopes = new Set([this.scope, ...(challenge.params.scope ? challenge.params.scope.split(' ') : [])]);
    const identityToken = this.credentials?.identityToken;
    let response;
    if (identityToken) {
      // distribution "Token Authentication Specification", OAuth2 (oauth.md): an identity token is a refresh
      // token, exchanged with a POST of grant_type=refresh_token, as docker does for a helper's "<token>" login.
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: identityToken, client_id: 'ood' });
      if (challenge.params.service) form.set('service', challenge.params.service);
      form.set('scope', [...scopes].join(' '));
      const bytes = Buffer.from(form.toString());
      response = await this.transport.send({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: bytes,
      });
    } else {
      if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
      for (const s of scopes) url.searchParams.append('scope', s);
      const headers: Record<string, string> = {};
      if (this.credentials) headers.authorization = basic(this.credentials);
      response = await this.transport.send({ method: 'GET', url, headers });
    }
    const body = await readBody(response, 1 << 20);
    if (response.status !== 200) {
      throw new OodError(
        'AUTH_TOKEN_DENIED',
        `the token service ${url.host} refused a token (HTTP ${response.status}) for ${[...scopes].join(' ')}`,
        {
          hint: 'Check the username and password (--username/--password-stdin, OOD_REGISTRY_USERNAME/OOD_REGISTRY_PASSWORD, or docker login).',
        },
      );
    }
    let parsed: { token?: string; access_token?: string };
    try {
      parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
    } catch (err) {
      throw new OodError(
        'AUTH_TOKEN_INVALID',
        `the token service ${url.host} answered with something that is not JSON`,
        { cause: err },
      );
    }
    const token = parsed?.token ?? parsed?.access_token;
    if (typeof token !== 'string' || token === '' || /[\r\n]/.test(token))
      throw new OodError('AUTH_TOKEN_INVALID', `the token service ${url.host} sent no token`);
    return token;
  }
}
