// `ood push ARTIFACT REF --modelcar`: an OCI image KServe's `oci://` storage can mount (kserve/kserve
// CreateModelcarContainer; docs/samples/storage/oci-fetch/README.md, "The image must store model files under
// /models/"). The image is the base (which must hold a shell: KServe runs `sh -c "ln -sf /proc/$$/root/models
// /mnt/models && sleep infinity"` in it) plus one reproducible layer with the Triton repository under /models/,
// so `kserve-tritonserver --model-repository=/mnt/models` serves it as written by `ood export triton`.
//
// Cross-link: the artifact's own ood manifest is pushed to the same repository (by digest), and the image names
// it as its OCI 1.1 `subject` and in the annotation dev.ood.artifact.manifest; registries without the referrers
// API get the referrers tag `sha256-<hex>` (see referrers.ts). From the artifact, `GET /v2/REPO/referrers/DIGEST`
// (or that tag) lists the image; from the image, the subject leads back to the artifact.
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { OodError } from '../errors.js';
import { ANNOTATIONS, MANIFEST_MEDIA_TYPE } from '../registry/media-types.js';
import { parsePlatform, resolveBaseImage } from '../registry/image/base-image.js';
import { writeLayerFile } from '../registry/image/layer-file.js';
import { pushImage, type ImagePushResult } from '../registry/image/push-image.js';
import type { TarEntry } from '../registry/image/tar-writer.js';
import type { StoreOptions } from '../registry/open-store.js';
import { pushArtifact } from '../registry/push.js';
import type { ImageUploadProgress } from '../registry/byte-meter.js';
import { formatReference, parseReference } from '../registry/reference.js';
import { openModelSource } from './model-source.js';
import { planTritonRepository, type TritonExportOptions } from './triton/repository.js';

/** Where the model repository sits in the image (the modelcar convention). */
export const MODELCAR_ROOT = 'models';

/** Annotations ood adds to a modelcar manifest, besides the org.opencontainers.image.* ones. */
export const MODELCAR_ANNOTATIONS = {
  artifactManifest: 'dev.ood.artifact.manifest',
  tritonModel: 'dev.ood.triton.model',
  tritonVersion: 'dev.ood.triton.version',
  baseName: 'org.opencontainers.image.base.name',
  baseDigest: 'org.opencontainers.image.base.digest',
} as const;

export interface ModelcarOptions extends TritonExportOptions, StoreOptions {
  /** The base image reference (a small image with a shell, e.g. a mirrored busybox). */
  base: string;
  /** os/arch to take from a multi-platform base; default linux/amd64. */
  platform?: string;
  /** Bytes as the artifact, then the image, upload (the CLI's progress bars). */
  progress?: ImageUploadProgress;
}

/** What `ood push --modelcar` reports. */
export interface ModelcarResult extends ImagePushResult {
  artifact: { reference: string; digest: string };
  modelPath: string;
  files: string[];
}

/** The layer's mtime: SOURCE_DATE_EPOCH when set, else the artifact's creation time, so pushes repeat exactly. */
function layerTime(env: NodeJS.ProcessEnv, createdAt: string | undefined): number {
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch !== undefined && /^\d+$/.test(epoch)) return Number(epoch);
  const parsed = createdAt ? Date.parse(createdAt) : NaN;
  return Number.isFinite(parsed) ? Math.floor(parsed / 1000) : 0;
}

/** Push the modelcar image of an artifact zip to REF, with the artifact itself beside it. */
export async function pushModelcar(
  zipPath: string,
  refText: string,
  options: ModelcarOptions,
): Promise<ModelcarResult> {
  const ref = parseReference(refText);
  if (!ref.host || ref.digest || !ref.tag)
    throw new OodError('MODELCAR_NEEDS_REGISTRY', `--modelcar needs a registry tag, not ${refText}`, {
      hint: 'KServe pulls modelcars from a registry: ood push digits.zip registry.example.com/models/digits:1.0.0 --modelcar --base …',
    });
  if (!(await stat(zipPath).catch(() => undefined))?.isFile())
    throw new OodError('MODELCAR_NEEDS_ZIP', `${zipPath} is not an artifact zip`, {
      hint: 'Pass the .zip written by `ood prepare -o` (a directory artifact cannot be pushed as ood artifact).',
    });
  const platform = parsePlatform(options.platform ?? 'linux/amd64');
  const env = options.env ?? process.env;
  const source = await openModelSource(zipPath);
  const work = await mkdtemp(join(tmpdir(), 'ood-modelcar-'));
  try {
    if (source.kind !== 'artifact')
      throw new OodError('MODELCAR_NEEDS_ZIP', `${zipPath} is a model, not an artifact zip`, {
        hint: 'Wrap it first: ood prepare MODEL.onnx -o ARTIFACT.zip',
      });
    const plan = planTritonRepository(source, options);
    const entries: TarEntry[] = [{ type: 'directory', path: MODELCAR_ROOT }];
    for (const file of plan.files) {
      const path = `${MODELCAR_ROOT}/${file.path}`;
      if ('bytes' in file.source) {
        const bytes = file.source.bytes;
        entries.push({ type: 'file', path, size: bytes.length, open: () => Readable.from([bytes]) });
      } else {
        const from = file.source.file;
        entries.push({ type: 'file', path, size: (await stat(from)).size, open: () => createReadStream(from) });
      }
    }
    const mtime = layerTime(env, source.runtime?.MODEL_PROVENANCE?.CREATED_AT);
    const layer = await writeLayerFile(entries, join(work, 'models.tar.gz'), { mtime });
    const base = await resolveBaseImage(options.base, platform, options);
    try {
      const artifact = await pushArtifact(zipPath, formatReference(ref), {
        ...options,
        untagged: true,
        onBytes: options.progress?.artifact,
      });
      const image = await pushImage(
        formatReference(ref),
        {
          base,
          layers: [
            {
              file: layer,
              createdBy: `ood push --modelcar: Triton model repository /${MODELCAR_ROOT}/${plan.modelName}`,
              comment: `model ${source.name} ${source.version ?? ''}`.trim(),
            },
          ],
          created: new Date(mtime * 1000).toISOString().replace('.000Z', 'Z'),
          annotations: {
            ...pick(artifact.annotations, [
              ANNOTATIONS.title,
              ANNOTATIONS.version,
              ANNOTATIONS.created,
              ANNOTATIONS.revision,
              ANNOTATIONS.source,
              ANNOTATIONS.certaintyMethod,
              ANNOTATIONS.modelSha256,
            ]),
            [MODELCAR_ANNOTATIONS.artifactManifest]: artifact.digest,
            [MODELCAR_ANNOTATIONS.tritonModel]: plan.modelName,
            [MODELCAR_ANNOTATIONS.tritonVersion]: String(plan.version),
            [MODELCAR_ANNOTATIONS.baseName]: formatReference(base.ref),
            [MODELCAR_ANNOTATIONS.baseDigest]: base.manifestDigest,
          },
          subject: { mediaType: MANIFEST_MEDIA_TYPE, digest: artifact.digest, size: artifact.size },
        },
        { ...options, onBytes: options.progress?.image },
      );
      return {
        ...image,
        artifact: { reference: `${ref.host}/${ref.repository}@${artifact.digest}`, digest: artifact.digest },
        modelPath: `/${MODELCAR_ROOT}/${plan.modelName}`,
        files: plan.files.map((f) => `/${MODELCAR_ROOT}/${f.path}`),
      };
    } finally {
      base.store.close();
    }
  } finally {
    await source.close();
    await rm(work, { recursive: true, force: true });
  }
}

function pick(record: Record<string, string>, keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(keys.filter((k) => record[k] !== undefined).map((k) => [k, record[k]!]));
}
