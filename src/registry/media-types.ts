// Media types and annotation keys of an ood artifact in OCI (image-spec v1.1.0 manifest, annotations.md).

/** The manifest's artifactType: an ood artifact zip (format 1.0, src/artifact/spec.ts) stored as zip parts. */
export const ARTIFACT_TYPE = 'application/vnd.ood.artifact.v1';
export const MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';
export const INDEX_MEDIA_TYPE = 'application/vnd.oci.image.index.v1+json';

/** The empty config descriptor of image-spec v1.1 ("Guidance for an empty descriptor"). */
export const EMPTY_CONFIG = Object.freeze({
  mediaType: 'application/vnd.oci.empty.v1+json',
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2,
  data: 'e30=',
});
export const EMPTY_CONFIG_BYTES = Buffer.from('{}');

/** Layer kinds. In manifest order, the layers concatenate to the original zip file. */
export const LAYER_MEDIA_TYPES = {
  /** Bytes of the zip that are not a model payload: local headers, small files, central directory. */
  zipPart: 'application/vnd.ood.artifact.zip-part.v1',
  /** A stored (uncompressed) model.onnx: the raw ONNX protobuf, digest = MODEL_DETAILS.SHA256. */
  model: 'application/vnd.ood.model.onnx.v1',
  /** A stored ONNX external-data file, raw. */
  externalData: 'application/vnd.ood.model.onnx.external-data.v1',
  /** A model payload the zip holds deflated: the raw deflate stream exactly as in the zip. */
  deflated: 'application/vnd.ood.artifact.zip-entry.v1+deflate',
} as const;

/** Manifest annotation keys; org.opencontainers.image.* wherever one fits. */
export const ANNOTATIONS = {
  title: 'org.opencontainers.image.title',
  version: 'org.opencontainers.image.version',
  created: 'org.opencontainers.image.created',
  revision: 'org.opencontainers.image.revision',
  source: 'org.opencontainers.image.source',
  refName: 'org.opencontainers.image.ref.name',
  certaintyMethod: 'dev.ood.certainty.method',
  artifactVersion: 'dev.ood.artifact.version',
  modelSha256: 'dev.ood.model.sha256',
  zipSize: 'dev.ood.zip.size',
} as const;

/** Accept header for manifest GETs: distribution refuses OCI manifests to clients that don't ask for them. */
export const MANIFEST_ACCEPT = [MANIFEST_MEDIA_TYPE, INDEX_MEDIA_TYPE].join(', ');
