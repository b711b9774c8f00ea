// Artifact references, docker-style: `[host[:port]/]repo/path[:tag][@sha256:hex]`. A first component with a dot,
// a colon or the name `localhost` is a registry host (as docker decides); anything else lives in the local
// OCI image layout. Repository and tag grammar from the OCI distribution spec v1.1, "Pulling manifests".
import { OodError } from '../errors.js';

/** A parsed reference. `host` is undefined for the local layout. */
export interface ArtifactRef {
  host: string | undefined;
  repository: string;
  tag: string | undefined;
  digest: string | undefined;
}

const REPO_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$/;
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

function badRef(text: string, why: string): OodError {
  return new OodError('BAD_REFERENCE', `invalid reference "${text}": ${why}`, {
    hint: 'Use NAME:TAG for the local store (digits:1.0) or HOST[:PORT]/NAME:TAG for a registry (127.0.0.1:5000/team/digits:1.0).',
  });
}

/** True when the first path component names a registry host rather than a repository. */
function looksLikeHost(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost' || component.startsWith('[');
}

/** Parse a reference. `requireTagOrDigest: false` allows a bare repository (for `ood ls`). */
export function parseReference(text: string, options: { bareRepository?: boolean } = {}): ArtifactRef {
  let rest = text.trim();
  if (rest === '') throw badRef(text, 'it is empty');
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest))
      throw badRef(text, `"${digest}" is not a sha256 digest (sha256: and 64 lowercase hex digits)`);
  }
  let host: string | undefined;
  const slash = rest.indexOf('/');
  if (slash > 0 && looksLikeHost(rest.slice(0, slash))) {
    host = rest.slice(0, slash);
    rest = rest.slice(slash + 1);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw badRef(text, `"${tag}" is not a valid tag`);
  }
  const components = rest.split('/');
  for (const c of components) {
    if (!REPO_COMPONENT.test(c))
      throw badRef(text, `"${c}" is not a valid repository name component (lowercase letters, digits, . _ -)`);
  }
  if (options.bareRepository) {
    if (tag !== undefined || digest !== undefined) throw badRef(text, 'name a repository without a tag or digest');
  } else if (tag === undefined && digest === undefined) {
    tag = 'latest';
  }
  return { host, repository: rest, tag, digest };
}

/** The canonical text of a reference. */
export function formatReference(ref: ArtifactRef): string {
  const base = ref.host ? `${ref.host}/${ref.repository}` : ref.repository;
  return `${base}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** Loopback hosts get plain HTTP by default, as docker does for localhost registries. */
export function isLoopbackHost(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  return name === 'localhost' || name === '::1' || /^127\.\d+\.\d+\.\d+$/.test(name);
}
