// `ood ls`: the tags of a repository with the key annotations of each tag's manifest.
import { OodError, isOodError } from '../errors.js';
import { LocalLayoutStore } from './local-layout.js';
import { parseArtifactManifest } from './manifest.js';
import { ANNOTATIONS } from './media-types.js';
import { openStore, type StoreOptions } from './open-store.js';
import { formatReference, parseReference } from './reference.js';

/** One row of `ood ls`. Fields are undefined when the manifest lacks them or is not an ood artifact. */
export interface TagInfo {
  tag: string;
  digest: string;
  name?: string;
  version?: string;
  created?: string;
  revision?: string;
  certaintyMethod?: string;
  /** Why the row has no annotations (e.g. "not an ood artifact"). */
  note?: string;
}

/** List a repository's tags with their annotations, sorted by tag. */
export async function listTags(
  repoText: string,
  options: StoreOptions = {},
): Promise<{ repository: string; tags: TagInfo[] }> {
  const ref = parseReference(repoText, { bareRepository: true });
  const store = await openStore(ref, options, 'pull');
  try {
    const rows: TagInfo[] = [];
    const tags = await store.listTags();
    // The local store has no empty repositories: no tag means no such repository (a registry answers 404 itself).
    if (tags.length === 0 && store instanceof LocalLayoutStore) {
      throw new OodError('REPOSITORY_NOT_FOUND', `no repository ${ref.repository} in the local store ${store.root}`, {
        hint: 'Run `ood ls` to list the local repositories; set OOD_HOME to use another store.',
      });
    }
    for (const tag of tags) {
      const fetched = await store.getManifest(tag);
      try {
        const a = parseArtifactManifest(fetched.bytes, `${repoText}:${tag}`).annotations;
        rows.push({
          tag,
          digest: fetched.digest,
          name: a[ANNOTATIONS.title],
          version: a[ANNOTATIONS.version],
          created: a[ANNOTATIONS.created],
          revision: a[ANNOTATIONS.revision],
          certaintyMethod: a[ANNOTATIONS.certaintyMethod],
        });
      } catch (err) {
        if (!isOodError(err) || err.code !== 'NOT_AN_OOD_ARTIFACT') throw err;
        rows.push({ tag, digest: fetched.digest, note: 'not an ood artifact' });
      }
    }
    return { repository: formatReference(ref), tags: rows };
  } finally {
    store.close?.();
  }
}
