// The image writer (as Jib and ko write images, with no daemon): a base image's layers, mounted from the base's
// repository when the registry allows (distribution-spec v1.1 "Mounting a blob from another repository") or
// copied through a verified temporary file, then new layers, a new config and an OCI image manifest
// (image-spec v1.1.0 manifest.md) with annotations and, optionally, a `subject` (manifest.md "subject";
// distribution-spec "Pushing Manifests with Subject", with the referrers tag schema where the API is missing).
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { OodError } from '../../errors.js';
import { readFileRange, sha256Digest, verifyingStream } from '../digest.js';
import type { Descriptor } from '../manifest.js';
import { openStore, type StoreOptions } from '../open-store.js';
import { formatReference, parseReference } from '../reference.js';
import { RemoteStore } from '../remote-store.js';
import type { BlobRangeOpener, TransferStats } from '../store.js';
import { blobProgress, meteredStream, type ByteProgress } from '../byte-meter.js';
import type { BaseImage } from './base-image.js';
import { buildImageConfig, type ConfigOverrides } from './image-config.js';
import type { LayerFile } from './layer-file.js';
import { OCI_CONFIG, OCI_MANIFEST } from './media.js';
import { recordReferrer } from './referrers.js';

/** A layer to add on top of the base, with its history line. */
export interface NewLayer {
  file: LayerFile;
  createdBy: string;
  comment?: string;
}

/** Everything the image is made of. */
export interface ImageBuild {
  base: BaseImage;
  layers: NewLayer[];
  /** RFC 3339; pinned by the caller (SOURCE_DATE_EPOCH or the artifact's creation time) for equal digests. */
  created: string;
  overrides?: ConfigOverrides;
  annotations: Record<string, string>;
  /** A manifest in the target repository this image refers to (OCI 1.1 referrers). */
  subject?: Descriptor & { artifactType?: string };
}

/** How each layer reached the target repository. */
export type LayerTransfer = 'present' | 'mounted' | 'copied' | 'uploaded';

/** What a push of an image reports. */
export interface ImagePushResult {
  reference: string;
  digest: string;
  size: number;
  config: Descriptor;
  platform: string;
  layers: (Descriptor & { from: 'base' | 'new'; transfer: LayerTransfer })[];
  annotations: Record<string, string>;
  subject?: string;
  /** Where the referrers tag schema recorded the link, when the registry lacks the referrers API. */
  referrersTag?: string;
  stats: TransferStats;
}

const sortRecord = (r: Record<string, string>) =>
  Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** An opener whose bytes are counted as they stream (the CLI's progress bar); the opener itself without one. */
type Meter = (open: BlobRangeOpener) => BlobRangeOpener;

/** Copy a base blob from another registry: download it verified into a temporary file, then upload that. */
async function copyBlob(base: BaseImage, target: RemoteStore, d: Descriptor, metered: Meter): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ood-blob-'));
  try {
    const file = join(dir, 'blob');
    await pipeline(await base.store.openBlob(d), verifyingStream(d, `base layer ${d.digest}`), createWriteStream(file));
    base.store.stats.bytesDownloaded += d.size;
    await target.putBlob(
      d,
      metered((start, end) => readFileRange(file, start, end)),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function transferBaseLayer(
  base: BaseImage,
  target: RemoteStore,
  d: Descriptor,
  metered: Meter,
): Promise<LayerTransfer> {
  if (await target.hasBlob(d)) {
    target.stats.blobsSkipped += 1;
    return 'present';
  }
  if (base.ref.host === parseHost(target.where) && (await target.mountBlob(d, base.ref.repository))) return 'mounted';
  await copyBlob(base, target, d, metered);
  return 'copied';
}

const parseHost = (where: string) => where.slice(0, where.indexOf('/'));

/**
 * Push the image to `refText` (a tag in a registry). `onBytes`: the layers' bytes done of their total as they
 * upload; layers already there or mounted count as done, not moved.
 */
export async function pushImage(
  refText: string,
  build: ImageBuild,
  options: StoreOptions & { onBytes?: ByteProgress },
): Promise<ImagePushResult> {
  const ref = parseReference(refText);
  if (!ref.host || ref.digest)
    throw new OodError('IMAGE_NEEDS_REGISTRY_TAG', `cannot push an image to ${refText}`, {
      hint: 'Give a registry tag, HOST[:PORT]/REPO:TAG; Kubernetes pulls images from registries, not from ~/.ood.',
    });
  const target = (await openStore(ref, options, 'pull,push')) as RemoteStore;
  try {
    const layers: ImagePushResult['layers'] = [];
    const sizes = [...build.base.layers.map((d) => d.size), ...build.layers.map((l) => l.file.size)];
    const progress =
      options.onBytes &&
      blobProgress(
        sizes.reduce((a, b) => a + b, 0),
        options.onBytes,
      );
    const metered: Meter = (open) =>
      progress ? (s, e) => meteredStream(open(s, e), s, (at) => progress.at(at)) : open;
    progress?.at(0);
    for (const d of build.base.layers) {
      const transfer = await transferBaseLayer(build.base, target, d, metered);
      progress?.finish(d.size, transfer === 'copied');
      layers.push({ ...d, from: 'base', transfer });
    }
    for (const layer of build.layers) {
      const d: Descriptor = { mediaType: layer.file.mediaType, digest: layer.file.digest, size: layer.file.size };
      let transfer: LayerTransfer = 'present';
      if (await target.hasBlob(d)) target.stats.blobsSkipped += 1;
      else {
        await target.putBlob(
          d,
          metered((start, end) => readFileRange(layer.file.path, start, end)),
        );
        transfer = 'uploaded';
      }
      progress?.finish(d.size, transfer === 'uploaded');
      layers.push({ ...d, from: 'new', transfer });
    }
    const configBytes = Buffer.from(
      buildImageConfig(
        build.base.config,
        build.layers.map((l) => ({ diffId: l.file.diffId, createdBy: l.createdBy, comment: l.comment })),
        build.created,
        build.overrides,
      ),
    );
    const config: Descriptor = { mediaType: OCI_CONFIG, digest: sha256Digest(configBytes), size: configBytes.length };
    if (!(await target.hasBlob(config)))
      await target.putBlob(config, (s, e) => Readable.from([configBytes.subarray(s, e)]));
    const annotations = sortRecord(build.annotations);
    const manifest = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config,
      layers: layers.map(({ mediaType, digest, size }) => ({ mediaType, digest, size })),
      ...(build.subject
        ? { subject: { mediaType: build.subject.mediaType, digest: build.subject.digest, size: build.subject.size } }
        : {}),
      annotations,
    };
    const bytes = Buffer.from(JSON.stringify(manifest));
    const digest = sha256Digest(bytes);
    await target.putManifest(bytes, digest, OCI_MANIFEST, ref.tag);
    const referrersTag = build.subject
      ? await recordReferrer(target, build.subject.digest, {
          mediaType: OCI_MANIFEST,
          digest,
          size: bytes.length,
          artifactType: OCI_CONFIG,
          annotations,
        })
      : undefined;
    const c = build.base.config;
    return {
      reference: formatReference(ref),
      digest,
      size: bytes.length,
      config,
      platform: [c.os, c.architecture, c.variant].filter(Boolean).join('/'),
      layers,
      annotations,
      ...(build.subject ? { subject: build.subject.digest } : {}),
      ...(referrersTag ? { referrersTag } : {}),
      stats: { ...target.stats },
    };
  } finally {
    target.close();
  }
}
