// The OCI image manifest of an ood artifact (image-spec v1.1.0 manifest.md, descriptor.md, annotations.md).
// Deterministic: layers in file order, keys in fixed order, annotations sorted, no push-time data — the same
// zip always gives the same manifest bytes and therefore the same digest.
import { OodError } from '../errors.js';
import { ARTIFACT_VERSION } from '../artifact/spec.js';
import { digestFileRange, isSha256Digest, sha256Digest } from './digest.js';
import { ANNOTATIONS, ARTIFACT_TYPE, EMPTY_CONFIG, LAYER_MEDIA_TYPES, MANIFEST_MEDIA_TYPE } from './media-types.js';
import type { ZipSplit } from './zip-split.js';

/** An OCI content descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  data?: string;
  annotations?: Record<string, string>;
}

/** An OCI image manifest as ood writes it. */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType: string;
  artifactType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations: Record<string, string>;
}

/** A layer descriptor together with where its bytes sit in the zip. */
export interface PlannedLayer {
  descriptor: Descriptor;
  start: number;
  end: number;
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Manifest annotations from runtime.yaml; absent or null facts are left out rather than invented. */
export function annotationsFor(split: ZipSplit): Record<string, string> {
  const rt = split.runtime;
  const out: Record<string, string> = {};
  const put = (key: string, value: unknown) => {
    if (value !== undefined && value !== null && String(value) !== '') out[key] = String(value);
  };
  put(ANNOTATIONS.title, rt.MODEL_DETAILS?.NAME);
  put(ANNOTATIONS.version, rt.MODEL_DETAILS?.VERSION);
  put(ANNOTATIONS.created, rt.MODEL_PROVENANCE?.CREATED_AT);
  put(ANNOTATIONS.revision, rt.MODEL_PROVENANCE?.TRAINING_CODE?.GIT_COMMIT);
  put(ANNOTATIONS.source, rt.MODEL_PROVENANCE?.TRAINING_CODE?.GIT_REMOTE);
  put(ANNOTATIONS.certaintyMethod, rt.CERTAINTY?.ENABLED === false ? 'none' : rt.CERTAINTY?.METHOD);
  put(ANNOTATIONS.artifactVersion, rt.MODEL_ARTIFACT_VERSION ?? ARTIFACT_VERSION);
  put(ANNOTATIONS.modelSha256, rt.MODEL_DETAILS?.SHA256);
  put(ANNOTATIONS.zipSize, split.size);
  return sortedRecord(out);
}

/**
 * Digest the parts of the split (streamed) and build the manifest. A part whose digest is in `known` (by its start
 * offset) is not read here: push hashes that one while it uploads it, and the gate judges the digest then.
 */
export async function planManifest(
  zipPath: string,
  split: ZipSplit,
  options: { known?: ReadonlyMap<number, string> } = {},
): Promise<{ manifest: ImageManifest; layers: PlannedLayer[] }> {
  const layers: PlannedLayer[] = [];
  for (const part of split.parts) {
    const size = part.end - part.start;
    const digest = options.known?.get(part.start) ?? (await digestFileRange(zipPath, part.start, part.end));
    const descriptor: Descriptor = { mediaType: part.mediaType, digest, size };
    if (part.title) descriptor.annotations = { [ANNOTATIONS.title]: part.title };
    layers.push({ descriptor, start: part.start, end: part.end });
  }
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MANIFEST_MEDIA_TYPE,
    artifactType: ARTIFACT_TYPE,
    config: { ...EMPTY_CONFIG },
    layers: layers.map((l) => l.descriptor),
    annotations: annotationsFor(split),
  };
  return { manifest, layers };
}

/** The canonical bytes of a manifest: compact JSON in the fixed key order built above. */
export function encodeManifest(manifest: ImageManifest): Buffer {
  return Buffer.from(JSON.stringify(manifest));
}

/** The digest of a manifest's canonical bytes. */
export function manifestDigest(manifest: ImageManifest): string {
  return sha256Digest(encodeManifest(manifest));
}

const KNOWN_LAYERS = new Set<string>(Object.values(LAYER_MEDIA_TYPES));

/** Parse fetched manifest bytes and check that they describe an ood artifact we can reassemble. */
export function parseArtifactManifest(bytes: Buffer, where: string): ImageManifest {
  let value: ImageManifest;
  try {
    value = JSON.parse(bytes.toString('utf8')) as ImageManifest;
  } catch (err) {
    throw new OodError('BAD_MANIFEST', `the manifest of ${where} is not JSON`, { cause: err });
  }
  const problem =
    value?.schemaVersion !== 2
      ? 'schemaVersion is not 2'
      : value.mediaType !== undefined && value.mediaType !== MANIFEST_MEDIA_TYPE
        ? `it is a ${value.mediaType}, not an OCI image manifest`
        : value.artifactType !== ARTIFACT_TYPE
          ? `its artifactType is ${value.artifactType ?? 'missing'}, not ${ARTIFACT_TYPE}`
          : !Array.isArray(value.layers) || value.layers.some((l) => !KNOWN_LAYERS.has(l?.mediaType))
            ? 'it has layers ood does not know'
            : value.layers.some((l) => !isSha256Digest(l.digest) || !Number.isSafeInteger(l.size) || l.size < 0)
              ? 'a layer descriptor has a bad digest or size'
              : undefined;
  if (problem) {
    throw new OodError('NOT_AN_OOD_ARTIFACT', `${where} is not an ood artifact: ${problem}`, {
      hint: 'Pull only references that `ood push` wrote; inspect others with oras or crane.',
    });
  }
  value.annotations ??= {};
  return value;
}
