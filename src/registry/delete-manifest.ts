// `ood rm HOST/NAME:TAG` and `ood rm HOST/NAME@sha256:…` on a remote registry (OCI distribution spec v1.1,
// "Content Management"). A tag is deleted with `DELETE /v2/<name>/manifests/<tag>` where the registry allows it
// ("Deleting tags": success is 202; a registry that does not support it MUST answer 400 or 405). Otherwise, as
// with CNCF distribution 2.x, the manifest itself goes (`DELETE /v2/<name>/manifests/<digest>`, "Deleting
// Manifests"), which removes every tag naming it: ood does that only when no other tag names the same digest, or
// with `force`. A registry with deletion disabled answers 405 UNSUPPORTED, said as such.
import { OodError } from '../errors.js';
import { sha256Digest } from './digest.js';
import { discardBody, readBody, type HttpResponse } from './http-transport.js';
import { MANIFEST_ACCEPT } from './media-types.js';
import { remoteSessionOptions, type StoreOptions } from './open-store.js';
import { formatReference, type ArtifactRef } from './reference.js';
import { parseErrorBody, registryError } from './registry-errors.js';
import { RegistrySession } from './registry-session.js';

/** What `ood rm` did on a registry. */
export interface RemoteDeleteResult {
  reference: string;
  digest: string;
  /** "tag": only the tag went; "manifest": the manifest went, and with it every tag in `untagged`. */
  deleted: 'tag' | 'manifest';
  untagged: string[];
}

/** Delete the tag or manifest `ref` names on its registry. */
export async function deleteRemoteReference(
  ref: ArtifactRef & { host: string },
  options: StoreOptions & { force?: boolean } = {},
): Promise<RemoteDeleteResult> {
  const session = new RegistrySession(await remoteSessionOptions(ref, options, 'pull,delete'));
  const reference = formatReference(ref);
  try {
    if (ref.digest) {
      const tags = ref.tag ? [ref.tag] : await tagsNaming(session, ref.digest);
      await deleteManifest(session, ref, ref.digest);
      return { reference, digest: ref.digest, deleted: 'manifest', untagged: tags };
    }
    const tag = ref.tag!;
    const digest = await manifestDigest(session, tag);
    const byTag = await session.send('DELETE', session.url(`manifests/${tag}`));
    if (byTag.status === 202 || byTag.status === 200) {
      await discardBody(byTag);
      return { reference, digest, deleted: 'tag', untagged: [tag] };
    }
    const refusal = await readBody(byTag, 1 << 20).catch(() => Buffer.alloc(0));
    if (byTag.status !== 400 && byTag.status !== 405) throw failure(ref, byTag, refusal, `DELETE tag ${tag}`);
    const tags = await tagsNaming(session, digest);
    const others = tags.filter((t) => t !== tag);
    if (others.length > 0 && options.force !== true)
      throw new OodError(
        'RM_TAG_SHARED',
        `${ref.host} cannot delete the tag ${tag} alone, and deleting its manifest ${digest} would also remove ${others.join(', ')}`,
        {
          hint: `Pass --force to delete the manifest and every tag naming it, or delete it with \`ood rm ${ref.host}/${ref.repository}@${digest}\`.`,
          details: { otherTags: others },
        },
      );
    await deleteManifest(session, ref, digest);
    return { reference, digest, deleted: 'manifest', untagged: tags.includes(tag) ? tags : [tag, ...tags] };
  } finally {
    session.close();
  }
}

/** The digest a tag names, computed from the manifest bytes. */
async function manifestDigest(session: RegistrySession, tag: string): Promise<string> {
  const response = await session.send('GET', session.url(`manifests/${tag}`), { accept: MANIFEST_ACCEPT });
  if (response.status !== 200) return session.fail(`GET manifest ${tag}`, response);
  return sha256Digest(await readBody(response, 4 << 20));
}

/** Every tag of the repository that names `digest` (HEAD per tag: Docker-Content-Digest, spec "Pulling manifests"). */
async function tagsNaming(session: RegistrySession, digest: string): Promise<string[]> {
  const list = await session.send('GET', session.url('tags/list?n=1000'));
  if (list.status !== 200) return session.fail('list tags', list);
  let tags: unknown;
  try {
    tags = (JSON.parse((await readBody(list, 8 << 20)).toString('utf8')) as { tags?: unknown } | null)?.tags ?? [];
  } catch (err) {
    throw session.protocolError('answered the tags list with something that is not JSON', err);
  }
  if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string'))
    throw session.protocolError('sent a tags list whose "tags" is not a list of strings');
  const naming: string[] = [];
  for (const tag of tags as string[]) {
    const head = await session.send('HEAD', session.url(`manifests/${tag}`), { accept: MANIFEST_ACCEPT });
    await discardBody(head);
    if (head.status === 200 && head.headers['docker-content-digest'] === digest) naming.push(tag);
  }
  return naming.sort();
}

async function deleteManifest(session: RegistrySession, ref: ArtifactRef, digest: string): Promise<void> {
  const response = await session.send('DELETE', session.url(`manifests/${digest}`));
  if (response.status === 202 || response.status === 200) return void (await discardBody(response));
  const body = await readBody(response, 1 << 20).catch(() => Buffer.alloc(0));
  if (response.status === 405)
    throw new OodError(
      'REGISTRY_DELETE_DISABLED',
      `registry ${session.host} answered 405 ${parseErrorBody(body)?.code ?? 'Method Not Allowed'} to deleting ${formatReference(ref)}: deletion is disabled there`,
      {
        hint: "Ask the registry's administrator to enable deletion (CNCF distribution: storage.delete.enabled: true).",
      },
    );
  throw failure(ref, response, body, `DELETE manifest ${digest}`);
}

function failure(ref: ArtifactRef, response: HttpResponse, body: Buffer, what: string): OodError {
  return registryError(what, response.status, body, { host: ref.host!, repository: ref.repository });
}
