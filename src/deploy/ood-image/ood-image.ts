// `ood image ARTIFACT REF --base BASE_REF`: an OCI image that runs `ood serve` on the artifact, written straight to
// a registry by the image writer (src/registry/image/, as Jib and ko do, no daemon). Layers, least-changing first,
// so a new model version re-uploads only the last: (1) ood with its production dependencies and the target's
// onnxruntime-node binaries, (2) /opt/ood/start_server.sh, (3) the artifact, extracted, in /opt/model. The
// entrypoint follows DRUM's custom-environment contract (start_server.sh serving on port 8080, PORT to move it)
// and KServe's (a ServingRuntime's args are appended). It runs as the unprivileged user 65532.
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import semver from 'semver';
import { OodError } from '../../errors.js';
import { requireDocument } from '../../artifact/open.js';
import { openAdmitted } from '../../checks/admission.js';
import { ARTIFACT_FILES } from '../../artifact/spec.js';
import { ANNOTATIONS, MANIFEST_MEDIA_TYPE } from '../../registry/media-types.js';
import { parsePlatform, resolveBaseImage, type BaseImage } from '../../registry/image/base-image.js';
import { writeLayerFile } from '../../registry/image/layer-file.js';
import { pushImage, type ImagePushResult } from '../../registry/image/push-image.js';
import type { TarEntry } from '../../registry/image/tar-writer.js';
import type { StoreOptions } from '../../registry/open-store.js';
import { pushArtifact } from '../../registry/push.js';
import type { ImageUploadProgress } from '../../registry/byte-meter.js';
import { formatReference, parseReference } from '../../registry/reference.js';
import { OOD_VERSION } from '../../version.js';
import { packagePath } from '../../io/package-files.js';
import { oodPackageLayer } from './package-layer.js';

export const IMAGE_PATHS = { ood: 'opt/ood', model: 'opt/model', entrypoint: 'opt/ood/start_server.sh' } as const;
/** The unprivileged user the server runs as (no /etc/passwd entry needed). */
export const IMAGE_USER = '65532:65532';
export const IMAGE_PORT = 8080;

export interface OodImageOptions extends StoreOptions {
  base: string;
  /** os/arch of the image; default linux/amd64. */
  platform?: string;
  /** The base's Node.js version when its config does not say (NODE_VERSION in Env). */
  nodeVersion?: string;
  /** Bytes as the artifact, then the image, upload (the CLI's progress bars). */
  progress?: ImageUploadProgress;
}

export interface OodImageResult extends ImagePushResult {
  artifact?: { reference: string; digest: string };
  nodeVersion: string;
}

/** OCI architecture names → Node's (process.arch), for onnxruntime-node's binary folders. */
const NODE_ARCH: Record<string, string> = { amd64: 'x64', arm64: 'arm64' };

/**
 * templates/start_server.sh, the one entrypoint script for DRUM custom environments and this image, with the
 * image's own defaults (where ood and the artifact are) written in.
 */
async function startServerScript(cli: string): Promise<string> {
  const template = await readFile(packagePath('templates/start_server.sh'), 'utf8');
  const marker = '# defaults: the ood image writes its OOD_CLI and OOD_ARTIFACT here\n';
  if (!template.includes(marker))
    throw new OodError('PACKAGE_FILE_MISSING', 'templates/start_server.sh lacks the line the image writer fills in', {
      hint: 'Reinstall ood: its templates/start_server.sh was changed.',
    });
  return template.replace(
    marker,
    `: "\${OOD_CLI:=${cli}}"\n: "\${OOD_ARTIFACT:=/${IMAGE_PATHS.model}}"\nexport OOD_CLI OOD_ARTIFACT\n`,
  );
}

/** The base's Node.js version: NODE_VERSION in its Env (as the official node images set it), or the option. */
function baseNodeVersion(base: BaseImage, given: string | undefined, where: string): string {
  const env = (base.config.config?.Env as string[] | undefined) ?? [];
  const fromEnv = env.find((e) => e.startsWith('NODE_VERSION='))?.slice('NODE_VERSION='.length);
  const version = semver.coerce(given ?? fromEnv ?? '')?.version;
  if (!version)
    throw new OodError('IMAGE_NODE_UNKNOWN', `the base image ${where} does not say which Node.js it has`, {
      hint: 'Use a Node.js image (its config sets NODE_VERSION), or pass --node-version with the version it runs.',
    });
  return version;
}

/** Push the ood server image of an artifact to REF. */
export async function pushOodImage(
  artifactPath: string,
  refText: string,
  options: OodImageOptions,
): Promise<OodImageResult> {
  const ref = parseReference(refText);
  if (!ref.host || ref.digest || !ref.tag)
    throw new OodError('IMAGE_NEEDS_REGISTRY_TAG', `ood image needs a registry tag, not ${refText}`, {
      hint: 'Give HOST[:PORT]/REPO:TAG, e.g. registry.example.com/models/digits-server:1.0.0.',
    });
  const platform = parsePlatform(options.platform ?? 'linux/amd64');
  const nodeArch = NODE_ARCH[platform.architecture];
  if (platform.os !== 'linux' || !nodeArch)
    throw new OodError(
      'IMAGE_PLATFORM_UNSUPPORTED',
      `ood images are built for linux/amd64 and linux/arm64, not ${options.platform}`,
      {
        hint: 'Pass --platform linux/amd64 or --platform linux/arm64.',
      },
    );
  const isZip = (await stat(artifactPath).catch(() => undefined))?.isFile() === true;
  // The admission gate (issue 18): nothing introspect fails in archive, files, integrity or runtime goes in an image.
  const { reader } = await openAdmitted(artifactPath, { command: 'image' });
  const work = await mkdtemp(join(tmpdir(), 'ood-image-'));
  try {
    const runtime = requireDocument(await reader.runtime(), ARTIFACT_FILES.runtime);
    const base = await resolveBaseImage(options.base, platform, options);
    try {
      const nodeVersion = baseNodeVersion(base, options.nodeVersion, options.base);
      const range = runtime.MODEL_DEPLOYMENT.INFERENCE_RUNTIME.NODE_VERSION;
      if (!semver.satisfies(nodeVersion, range))
        throw new OodError(
          'IMAGE_NODE_TOO_OLD',
          `the base image has Node.js ${nodeVersion}, the artifact needs ${range}`,
          {
            hint: `Use a base image whose Node.js satisfies ${range} (NODE_VERSION in its config).`,
          },
        );
      const mtime = Number.isFinite(Date.parse(runtime.MODEL_PROVENANCE.CREATED_AT))
        ? Math.floor(Date.parse(runtime.MODEL_PROVENANCE.CREATED_AT) / 1000)
        : 0;
      const fixed = { mtime: Number(options.env?.SOURCE_DATE_EPOCH ?? process.env.SOURCE_DATE_EPOCH ?? 0) || 0 };
      const ood = await oodPackageLayer(IMAGE_PATHS.ood, platform.os, nodeArch);
      const script = Buffer.from(await startServerScript(ood.cliPath));
      const modelEntries: TarEntry[] = [];
      for (const name of reader.view.files) {
        const path = await reader.view.localPath(name);
        const size = (await stat(path)).size;
        modelEntries.push({
          type: 'file',
          path: `${IMAGE_PATHS.model}/${name}`,
          size,
          open: () => createReadStream(path),
        });
      }
      const layers = [
        {
          file: await writeLayerFile(ood.entries, join(work, 'ood.tar.gz'), fixed),
          createdBy: `ood ${OOD_VERSION} and its production dependencies`,
        },
        {
          file: await writeLayerFile(
            [
              {
                type: 'file',
                path: IMAGE_PATHS.entrypoint,
                size: script.length,
                mode: 0o755,
                open: () => Readable.from([script]),
              },
            ],
            join(work, 'entry.tar.gz'),
            fixed,
          ),
          createdBy: 'start_server.sh (DRUM and KServe entrypoint)',
        },
        {
          file: await writeLayerFile(modelEntries, join(work, 'model.tar.gz'), { mtime }),
          createdBy: `artifact ${runtime.MODEL_DETAILS.NAME} ${runtime.MODEL_DETAILS.VERSION}`,
        },
      ];
      const artifact = isZip
        ? await pushArtifact(artifactPath, formatReference(ref), {
            ...options,
            untagged: true,
            onBytes: options.progress?.artifact,
          })
        : undefined;
      const image = await pushImage(
        formatReference(ref),
        {
          base,
          layers,
          created: new Date(mtime * 1000).toISOString().replace('.000Z', 'Z'),
          overrides: {
            User: IMAGE_USER,
            Entrypoint: [`/${IMAGE_PATHS.entrypoint}`],
            Cmd: [],
            WorkingDir: `/${IMAGE_PATHS.model}`,
            ExposedPorts: { [`${IMAGE_PORT}/tcp`]: {} },
            StopSignal: 'SIGTERM',
          },
          annotations: {
            [ANNOTATIONS.title]: runtime.MODEL_DETAILS.NAME,
            [ANNOTATIONS.version]: runtime.MODEL_DETAILS.VERSION,
            [ANNOTATIONS.created]: runtime.MODEL_PROVENANCE.CREATED_AT,
            [ANNOTATIONS.modelSha256]: runtime.MODEL_DETAILS.SHA256,
            'org.opencontainers.image.base.name': formatReference(base.ref),
            'org.opencontainers.image.base.digest': base.manifestDigest,
            'dev.ood.version': OOD_VERSION,
            ...(artifact ? { 'dev.ood.artifact.manifest': artifact.digest } : {}),
          },
          ...(artifact
            ? { subject: { mediaType: MANIFEST_MEDIA_TYPE, digest: artifact.digest, size: artifact.size } }
            : {}),
        },
        { ...options, onBytes: options.progress?.image },
      );
      return {
        ...image,
        nodeVersion,
        ...(artifact
          ? { artifact: { reference: `${ref.host}/${ref.repository}@${artifact.digest}`, digest: artifact.digest } }
          : {}),
      };
    } finally {
      base.store.close();
    }
  } finally {
    await reader.close();
    await rm(work, { recursive: true, force: true });
  }
}
