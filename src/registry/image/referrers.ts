// Making a referrer findable from its subject (distribution-spec v1.1, "Listing Referrers" and "Referrers Tag
// Schema"): a registry with the referrers API indexes the `subject` itself; on one without it (CNCF distribution
// 2.8, for one), the client keeps an image index under the tag `sha256-<hex of the subject digest>` listing the
// referrers, adding itself there. Returns that tag when the fallback was used.
import type { Descriptor } from '../manifest.js';
import type { RemoteStore } from '../remote-store.js';
import { sha256Digest } from '../digest.js';
import { OCI_INDEX } from './media.js';

interface IndexEntry extends Descriptor {
  artifactType?: string;
}

/** Record `referrer` as a referrer of `subjectDigest`; undefined when the registry's referrers API does it. */
export async function recordReferrer(
  store: RemoteStore,
  subjectDigest: string,
  referrer: IndexEntry,
): Promise<string | undefined> {
  if (await store.supportsReferrers(subjectDigest)) return undefined;
  const tag = subjectDigest.replace(':', '-');
  let manifests: IndexEntry[] = [];
  try {
    const existing = JSON.parse((await store.getManifest(tag, OCI_INDEX)).bytes.toString('utf8')) as {
      manifests?: IndexEntry[];
    };
    manifests = Array.isArray(existing.manifests) ? existing.manifests : [];
  } catch (err) {
    if ((err as { code?: string }).code !== 'REGISTRY_NOT_FOUND') throw err;
  }
  if (manifests.some((m) => m.digest === referrer.digest)) return tag;
  manifests = [...manifests, referrer];
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }));
  await store.putManifest(bytes, sha256Digest(bytes), OCI_INDEX, tag);
  return tag;
}
