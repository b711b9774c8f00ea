// `ood rm REF`: delete a tag from the local store (its blobs stay: see LocalLayoutStore.deleteTag), or a tag or
// manifest from a registry (delete-manifest.ts).
import { OodError } from '../errors.js';
import { deleteRemoteReference, type RemoteDeleteResult } from './delete-manifest.js';
import { LocalLayoutStore, defaultLayoutRoot } from './local-layout.js';
import type { StoreOptions } from './open-store.js';
import { formatReference, parseReference } from './reference.js';

/** Delete what `refText` names; returns the reference, the digest it named and what went. */
export async function deleteTag(
  refText: string,
  options: StoreOptions & { force?: boolean } = {},
): Promise<RemoteDeleteResult> {
  const ref = parseReference(refText);
  const named = refText.slice(refText.lastIndexOf('/') + 1).includes(':') || ref.digest !== undefined;
  if (!named) {
    throw new OodError('RM_NEEDS_TAG', `ood rm needs NAME:TAG or NAME@sha256:…, got ${refText}`, {
      hint: 'Name the tag to delete, e.g. ood rm digits:1.0 (ood ls digits lists them).',
    });
  }
  if (ref.host) return deleteRemoteReference({ ...ref, host: ref.host }, options);
  if (ref.digest) {
    throw new OodError('RM_NEEDS_TAG', `ood rm deletes tags in the local store, got the digest reference ${refText}`, {
      hint: 'Name the tag to delete, e.g. ood rm digits:1.0 (ood ls digits lists them).',
    });
  }
  const store = new LocalLayoutStore(options.layoutRoot ?? defaultLayoutRoot(options.env), ref.repository);
  const digest = await store.deleteTag(ref.tag!);
  return { reference: formatReference(ref), digest, deleted: 'tag', untagged: [ref.tag!] };
}
