// Media types of container images as registries serve them: OCI image-spec v1.1.0 (manifest.md, image-index.md,
// config.md, layer.md) and the Docker Image Manifest V2, Schema 2 types that registries still hold for older
// images. Docker's layer and config formats are the ones OCI standardised, so their bytes (and digests) carry over.

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';

/** Accept header for a base image: any of the four manifest kinds. */
export const IMAGE_ACCEPT = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST].join(', ');

/** Layer media types an OCI manifest can name for a base layer, keyed by what the base's manifest said. */
const LAYER_TO_OCI: Readonly<Record<string, string>> = {
  'application/vnd.oci.image.layer.v1.tar': 'application/vnd.oci.image.layer.v1.tar',
  'application/vnd.oci.image.layer.v1.tar+gzip': 'application/vnd.oci.image.layer.v1.tar+gzip',
  'application/vnd.oci.image.layer.v1.tar+zstd': 'application/vnd.oci.image.layer.v1.tar+zstd',
  'application/vnd.docker.image.rootfs.diff.tar.gzip': 'application/vnd.oci.image.layer.v1.tar+gzip',
};

/** The OCI media type for a base layer, or undefined for one ood will not carry (foreign/non-distributable). */
export function ociLayerType(mediaType: string): string | undefined {
  return LAYER_TO_OCI[mediaType];
}
