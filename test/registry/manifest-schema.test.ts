// The manifests ood writes: valid OCI image manifests (schema written from image-spec v1.1.0), deterministic,
// with the empty config descriptor and annotations from runtime.yaml.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeManifest, planManifest, pushArtifact, splitArtifactZip } from '../../src/index.js';
import { writeTestArtifact } from '../helpers/artifact-zip.js';
import { registryAvailable, startRegistry, type RunningRegistry } from '../helpers/registry-harness.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const schema = JSON.parse(
  await readFile(new URL('../../schemas/oci-image-manifest.schema.json', import.meta.url), 'utf8'),
);
const ajv = addFormats(new Ajv({ allErrors: true }));
const validate = ajv.compile(schema);

describe('the OCI manifest of an artifact', () => {
  let dir: string;
  let zip: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ood-manifest-'));
    zip = join(dir, 'digits.zip');
    await writeTestArtifact(zip, { externalData: [{ name: 'model.onnx.data', bytes: Buffer.alloc(5000, 7) }] });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('validates against the image-spec manifest schema, with the empty config and our artifactType', async () => {
    const { manifest } = await planManifest(zip, await splitArtifactZip(zip));
    expect(validate(manifest), JSON.stringify(validate.errors)).toBe(true);
    expect(manifest.config).toEqual({
      mediaType: 'application/vnd.oci.empty.v1+json',
      digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
      size: 2,
      data: 'e30=',
    });
    expect(`sha256:${createHash('sha256').update('{}').digest('hex')}`).toBe(manifest.config.digest);
    expect(Buffer.from(manifest.config.data!, 'base64').toString()).toBe('{}');
    expect(manifest.artifactType).toBe('application/vnd.ood.artifact.v1');
  });

  it('carries name, version, creation time, git commit and certainty method as annotations', async () => {
    const { manifest } = await planManifest(zip, await splitArtifactZip(zip));
    expect(manifest.annotations).toMatchObject({
      'org.opencontainers.image.title': 'digits',
      'org.opencontainers.image.version': '1.0',
      'org.opencontainers.image.created': '2026-01-02T03:04:05Z',
      'org.opencontainers.image.revision': '0123456789abcdef0123456789abcdef01234567',
      'org.opencontainers.image.source': 'https://example.invalid/team/digits.git',
      'dev.ood.certainty.method': 'none',
    });
  });

  it('is the same bytes every time for the same artifact (no push-time data)', async () => {
    const a = encodeManifest((await planManifest(zip, await splitArtifactZip(zip))).manifest);
    const copy = join(dir, 'copy.zip');
    await writeTestArtifact(copy, { externalData: [{ name: 'model.onnx.data', bytes: Buffer.alloc(5000, 7) }] });
    const b = encodeManifest((await planManifest(copy, await splitArtifactZip(copy))).manifest);
    expect(b.equals(a)).toBe(true);
    // Pushes go through the admission gate, which wants runtime.yaml to match the model: no fake external data.
    const plain1 = join(dir, 'plain1.zip');
    const plain2 = join(dir, 'plain2.zip');
    await writeTestArtifact(plain1);
    const env1 = { OOD_HOME: join(dir, 'h1') };
    const env2 = { OOD_HOME: join(dir, 'h2') };
    const p1 = await pushArtifact(plain1, 'digits:1.0', { env: env1 });
    await new Promise((r) => setTimeout(r, 1100));
    await writeTestArtifact(plain2);
    const p2 = await pushArtifact(plain2, 'other:2.0', { env: env2 });
    expect(p2.digest).toBe(p1.digest);
  });

  it('has layers whose concatenation is the zip, with model.onnx and its external data as layers of their own', async () => {
    const split = await splitArtifactZip(zip);
    const { layers } = await planManifest(zip, split);
    const bytes = await readFile(zip);
    const joined = Buffer.concat(layers.map((l) => bytes.subarray(l.start, l.end)));
    expect(joined.equals(bytes)).toBe(true);
    const model = layers.find((l) => l.descriptor.annotations?.['org.opencontainers.image.title'] === 'model.onnx')!;
    expect(model.descriptor.mediaType).toBe('application/vnd.ood.model.onnx.v1');
    const onnx = await readFile(new URL('../../examples/digits/model.onnx', import.meta.url));
    expect(model.descriptor.digest).toBe(`sha256:${createHash('sha256').update(onnx).digest('hex')}`);
    const data = layers.find(
      (l) => l.descriptor.annotations?.['org.opencontainers.image.title'] === 'model.onnx.data',
    )!;
    expect(data.descriptor.mediaType).toBe('application/vnd.ood.model.onnx.external-data.v1');
  });

  it('keeps a deflated model as its own layer (the deflate stream as stored) and still tiles the zip', async () => {
    const deflated = join(dir, 'deflated.zip');
    await writeTestArtifact(deflated, { storeModel: false });
    const { manifest, layers } = await planManifest(deflated, await splitArtifactZip(deflated));
    expect(validate(manifest)).toBe(true);
    expect(
      manifest.layers.find((l) => l.annotations?.['org.opencontainers.image.title'] === 'model.onnx')?.mediaType,
    ).toBe('application/vnd.ood.artifact.zip-entry.v1+deflate');
    const bytes = await readFile(deflated);
    expect(Buffer.concat(layers.map((l) => bytes.subarray(l.start, l.end))).equals(bytes)).toBe(true);
  });

  it('is checked by a schema that rejects bad digests, missing config and non-string annotations', () => {
    const good = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: `sha256:${'a'.repeat(64)}`, size: 2 },
      layers: [],
    };
    expect(validate(good)).toBe(true);
    expect(validate({ ...good, config: undefined })).toBe(false);
    expect(validate({ ...good, config: { ...good.config, digest: 'sha256:ABC' } })).toBe(false);
    expect(validate({ ...good, schemaVersion: 1 })).toBe(false);
    expect(validate({ ...good, annotations: { a: 1 } })).toBe(false);
    expect(validate({ ...good, annotations: { 'org.opencontainers.image.created': 'yesterday' } })).toBe(false);
    expect(validate({ ...good, layers: [{ ...good.config, size: -1 }] })).toBe(false);
  });
});

describe.skipIf(!registryAvailable())('the manifest as a registry serves it', () => {
  let registry: RunningRegistry;
  let dir: string;
  beforeAll(async () => {
    registry = await startRegistry();
    dir = await mkdtemp(join(tmpdir(), 'ood-manifest-remote-'));
  });
  afterAll(async () => {
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('is stored by distribution unchanged, validates, and hashes to the digest push printed', async () => {
    const zip = join(dir, 'digits.zip');
    await writeTestArtifact(zip);
    const pushed = await pushArtifact(zip, `${registry.host}/team/digits:1.0`);
    const res = await fetch(`http://${registry.host}/v2/team/digits/manifests/1.0`, {
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(res.headers.get('content-type')).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`).toBe(pushed.digest);
    expect(res.headers.get('docker-content-digest')).toBe(pushed.digest);
    expect(validate(JSON.parse(bytes.toString()))).toBe(true);
  });
});
