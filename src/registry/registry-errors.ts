// Registry failures as OodErrors that lead with the registry's own status and error code (OCI distribution
// spec v1.1, "Error Codes": {"errors":[{"code","message","detail"}]}), plus a hint for auth, denied, not found.
import { STATUS_CODES } from 'node:http';
import { OodError } from '../errors.js';

interface RegistryErrorBody {
  errors?: { code?: string; message?: string; detail?: unknown }[];
}

/** What a registry said in an error body, if it said anything structured. */
export function parseErrorBody(body: Buffer): { code: string; message: string } | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as RegistryErrorBody;
    const first = parsed.errors?.[0];
    if (!first?.code) return undefined;
    return { code: first.code, message: first.message ?? '' };
  } catch {
    return undefined;
  }
}

function hintFor(status: number, code: string | undefined, repository: string, host: string): string {
  if (status === 401 || code === 'UNAUTHORIZED') {
    return `Log in: pass --username NAME --password-stdin, set OOD_REGISTRY_USERNAME and OOD_REGISTRY_PASSWORD, or run \`docker login ${host}\`.`;
  }
  if (status === 403 || code === 'DENIED')
    return `Your account lacks permission for ${repository} on ${host}; ask the registry's administrator.`;
  if (code === 'NAME_UNKNOWN')
    return `The repository ${repository} does not exist on ${host}; check its name (the first push creates it).`;
  if (status === 404 || code?.endsWith('_UNKNOWN')) {
    return `Check the repository and tag; list the tags with \`ood ls ${host}/${repository}\`.`;
  }
  if (status === 416)
    return 'The registry rejected an upload range; rerun the push, which resumes from what the registry has.';
  if (status >= 500) return 'The registry failed internally; retry, and check its logs if it persists.';
  return 'Check the reference and the registry, then retry.';
}

/** Turn a non-success registry response into an error for `what` (e.g. "GET manifest digits:1.0"). */
export function registryError(
  what: string,
  status: number,
  body: Buffer,
  context: { host: string; repository: string },
): OodError {
  const parsed = parseErrorBody(body);
  const said = parsed
    ? `${parsed.code}${parsed.message ? `: ${parsed.message}` : ''}`
    : (STATUS_CODES[status] ?? 'error');
  const code = parsed?.code;
  const stable =
    status === 401
      ? 'REGISTRY_UNAUTHORIZED'
      : status === 403
        ? 'REGISTRY_DENIED'
        : status === 404
          ? 'REGISTRY_NOT_FOUND'
          : 'REGISTRY_ERROR';
  return new OodError(stable, `registry ${context.host} answered ${status} ${said} (${what})`, {
    hint: hintFor(status, code, context.repository, context.host),
    details: { status, registryCode: code, registryMessage: parsed?.message },
  });
}
