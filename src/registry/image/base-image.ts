// The base of an image: resolve a reference to one platform's manifest (choosing from an index or a Docker
// manifest list, image-index.md "platform"), fetch its config, and check both against their digests.
import { OodError, type ErrorCode } from '../../errors.js';
import { digestMismatch, sha256Digest, verifyingStream } from '../digest.js';
import type { Descriptor } from '../manifest.js';
import { openStore, type StoreOptions } from '../open-store.js';
import { formatReference, parseReference, type ArtifactRef } from '../reference.js';
import { RemoteStore } from '../remote-store.js';
import {
  DOCKER_CONFIG,
  DOCKER_LIST,
  DOCKER_MANIFEST,
  IMAGE_ACCEPT,
  OCI_CONFIG,
  OCI_INDEX,
  OCI_MANIFEST,
  ociLayerType,
} from './media.js';

/** os/architecture[/variant], as image-index.md's platform object has it. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** The parts of an image config ood reads and carries over (config.md). */
export interface ImageConfigJson {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
  config?: Record<string, unknown>;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: { created?: string; created_by?: string; author?: string; comment?: string; empty_layer?: boolean }[];
}

/** A resolved base image. */
export interface BaseImage {
  ref: ArtifactRef;
  /** Canonical text of the reference, pinned to the manifest digest. */
  pinned: string;
  manifestDigest: string;
  config: ImageConfigJson;
  /** Layers with OCI media types (a Docker layer keeps its bytes and digest). */
  layers: Descriptor[];
  store: RemoteStore;
}

/** Parse "linux/amd64" or "linux/arm64/v8". */
export function parsePlatform(text: string): Platform {
  const [os, architecture, variant, extra] = text.split('/');
  if (!os || !architecture || extra !== undefined)
    throw new OodError('BAD_PLATFORM', `"${text}" is not a platform`, {
      hint: 'Write OS/ARCH[/VARIANT], e.g. --platform linux/amd64 or linux/arm64/v8.',
    });
  return variant ? { os, architecture, variant } : { os, architecture };
}

const formatPlatform = (p: Platform) => [p.os, p.architecture, p.variant].filter(Boolean).join('/');

function baseError(code: ErrorCode, where: string, why: string, hint: string): OodError {
  return new OodError(code, `base image ${where}: ${why}`, { hint });
}

async function fetchJson(store: RemoteStore, reference: string, where: string) {
  const fetched = await store.getManifest(reference, IMAGE_ACCEPT);
  if (reference.startsWith('sha256:') && fetched.digest !== reference)
    throw digestMismatch(`manifest digest mismatch for ${where}`, reference, fetched.digest);
  if (fetched.claimedDigest && fetched.claimedDigest !== fetched.digest)
    throw digestMismatch(`manifest digest mismatch for ${where}`, fetched.claimedDigest, fetched.digest);
  try {
    return { digest: fetched.digest, value: JSON.parse(fetched.bytes.toString('utf8')) as Record<string, unknown> };
  } catch (err) {
    throw new OodError('BAD_MANIFEST', `the manifest of ${where} is not JSON`, { cause: err });
  }
}

/** Pick the platform's manifest from an index, the way a runtime would (exact os/arch; variant when given). */
function choose(index: Record<string, unknown>, platform: Platform, where: string): string {
  const entries = (index.manifests ?? []) as (Descriptor & { platform?: Platform })[];
  const match = entries.find(
    (m) =>
      m.platform?.os === platform.os &&
      m.platform?.architecture === platform.architecture &&
      (platform.variant === undefined || m.platform?.variant === platform.variant),
  );
  if (!match) {
    const offered = entries.map((m) => (m.platform ? formatPlatform(m.platform) : '?')).join(', ') || 'none';
    throw baseError(
      'BASE_PLATFORM_MISSING',
      where,
      `it has no ${formatPlatform(platform)} image (it has: ${offered})`,
      'Pass --platform with one of those, or use a base image built for your cluster.',
    );
  }
  return match.digest;
}

/** Resolve BASE_REF for `platform` and read its config. */
export async function resolveBaseImage(refText: string, platform: Platform, options: StoreOptions): Promise<BaseImage> {
  const ref = parseReference(refText);
  if (!ref.host)
    throw baseError(
      'BASE_NOT_IN_REGISTRY',
      refText,
      'it names no registry host',
      'Give the base as HOST[:PORT]/REPO:TAG, e.g. --base registry.example.com/mirror/busybox:1.36.',
    );
  const store = (await openStore(ref, options, 'pull')) as RemoteStore;
  const where = formatReference(ref);
  try {
    let { digest, value } = await fetchJson(store, ref.digest ?? ref.tag!, where);
    let mediaType = String(value.mediaType ?? '');
    if (mediaType === OCI_INDEX || mediaType === DOCKER_LIST || (!mediaType && Array.isArray(value.manifests))) {
      ({ digest, value } = await fetchJson(store, choose(value, platform, where), where));
      mediaType = String(value.mediaType ?? '');
    }
    if (mediaType !== OCI_MANIFEST && mediaType !== DOCKER_MANIFEST && !(mediaType === '' && value.config))
      throw baseError(
        'BASE_NOT_AN_IMAGE',
        where,
        `its manifest is ${mediaType || 'of an unknown kind'}, not an image manifest`,
        'Use a container image (OCI or Docker schema 2), such as a mirrored busybox.',
      );
    const configDescriptor = value.config as Descriptor;
    if (configDescriptor?.mediaType !== OCI_CONFIG && configDescriptor?.mediaType !== DOCKER_CONFIG)
      throw baseError(
        'BASE_NOT_AN_IMAGE',
        where,
        `its config is ${configDescriptor?.mediaType ?? 'missing'}, so it is an artifact, not a container image`,
        'Use a container image (OCI or Docker schema 2), such as a mirrored busybox.',
      );
    const configBytes = await readBlob(store, configDescriptor, `the config of ${where}`);
    const config = JSON.parse(configBytes.toString('utf8')) as ImageConfigJson;
    const layers = ((value.layers ?? []) as Descriptor[]).map((l) => {
      const oci = ociLayerType(l.mediaType);
      if (!oci)
        throw baseError(
          'BASE_LAYER_UNSUPPORTED',
          where,
          `layer ${l.digest} is ${l.mediaType}, which ood does not copy`,
          'Use a base image whose layers are ordinary tar/tar+gzip/tar+zstd layers (a Linux image).',
        );
      return { mediaType: oci, digest: l.digest, size: l.size };
    });
    if (config.rootfs?.diff_ids?.length !== layers.length)
      throw baseError(
        'BASE_CONFIG_INCONSISTENT',
        where,
        `its config lists ${config.rootfs?.diff_ids?.length ?? 0} diff_ids for ${layers.length} layers`,
        'Rebuild or re-mirror the base image.',
      );
    if (config.os !== platform.os || config.architecture !== platform.architecture)
      throw baseError(
        'BASE_PLATFORM_MISMATCH',
        where,
        `it is a ${formatPlatform(config)} image, not ${formatPlatform(platform)}`,
        `Pass --platform ${formatPlatform(config)}, or use a base image for ${formatPlatform(platform)}.`,
      );
    return { ref, pinned: `${ref.host}/${ref.repository}@${digest}`, manifestDigest: digest, config, layers, store };
  } catch (err) {
    store.close();
    throw err;
  }
}

/** Read a small blob whole and verify it against its descriptor. */
export async function readBlob(store: RemoteStore, d: Descriptor, what: string): Promise<Buffer> {
  if (d.size > 4 << 20) throw new OodError('BLOB_TOO_LARGE', `${what} is ${d.size} bytes, too large for a config`);
  const chunks: Buffer[] = [];
  for await (const chunk of (await store.openBlob(d)).pipe(verifyingStream(d, what))) chunks.push(chunk as Buffer);
  const bytes = Buffer.concat(chunks);
  if (sha256Digest(bytes) !== d.digest) throw digestMismatch(what, d.digest, sha256Digest(bytes));
  return bytes;
}
