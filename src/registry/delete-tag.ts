// `ood rm REF`: delete a tag from the local store. The artifact's blobs stay (see LocalLayoutStore.deleteTag).
import { OodError } from '../errors.js';
import { LocalLayoutStore, defaultLayoutRoot } from './local-layout.js';
import { formatReference, parseReference } from './reference.js';

/** Delete the tag `refText` names in the local store; returns the reference and the digest it named. */
export async function deleteTag(
  refText: string,
  options: { layoutRoot?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ reference: string; digest: string }> {
  const ref = parseReference(refText);
  if (ref.host) {
    throw new OodError('RM_REMOTE_UNSUPPORTED', `ood rm deletes tags in the local store only, not on ${ref.host}`, {
      hint: "Delete it with the registry's own tools (distribution spec: DELETE /v2/<name>/manifests/<digest>).",
    });
  }
  if (!refText.includes(':') || ref.digest) {
    throw new OodError('RM_NEEDS_TAG', `ood rm needs NAME:TAG, got ${refText}`, {
      hint: 'Name the tag to delete, e.g. ood rm digits:1.0 (ood ls digits lists them).',
    });
  }
  const store = new LocalLayoutStore(options.layoutRoot ?? defaultLayoutRoot(options.env), ref.repository);
  return { reference: formatReference(ref), digest: await store.deleteTag(ref.tag!) };
}
