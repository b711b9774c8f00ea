// Every InferenceService `ood deploy kserve` can emit validates against KServe's own CRD schema (specs/kserve/),
// with undeclared fields treated as errors (Kubernetes would prune them).
import { execa } from 'execa';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { deployKserve } from '../../src/deploy/kserve/deploy.js';
import { buildInferenceService } from '../../src/deploy/kserve/inference-service.js';
import { makeDigitsArtifact } from '../helpers/deploy-artifacts.js';
import { fixtures, repoRoot } from '../helpers/fixtures.js';
import { crdValidator } from '../helpers/kserve-crd.js';

const validate = crdValidator('serving.kserve.io_inferenceservices.yaml');
const validateRuntime = crdValidator('serving.kserve.io_servingruntimes.yaml');
const bin = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
let dir: string;
let zip: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ood-kserve-'));
  ({ zip } = await makeDigitsArtifact(dir));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const VARIANTS = [
  { storageUri: 'oci://registry.example.com/models/digits:1.0.0' },
  { storageUri: `oci://127.0.0.1:5000/models/digits@sha256:${'a'.repeat(64)}`, namespace: 'ml' },
  { storageUri: 's3://models/triton', minReplicas: 0, maxReplicas: 4 },
  { storageUri: 'gs://bucket/repo', gpus: 1, cpu: '500m', memory: '4Gi' },
  { storageUri: 'pvc://models-claim/triton', runtime: 'my-triton', minReplicas: 2 },
];

describe('ood deploy kserve', () => {
  it.each(VARIANTS)('emits a manifest the InferenceService CRD schema accepts (%o)', async (variant) => {
    const result = await deployKserve(zip, variant);
    const manifest = parse(result.yaml) as Record<string, unknown>;
    expect(validate(manifest), JSON.stringify(validate.errors)).toBe(true);
    expect(manifest).toEqual(result.manifest);
    expect(manifest).toMatchObject({
      apiVersion: 'serving.kserve.io/v1beta1',
      kind: 'InferenceService',
      metadata: {
        name: 'digits',
        labels: { 'app.kubernetes.io/name': 'digits', 'app.kubernetes.io/version': '1.0.0' },
      },
      spec: {
        predictor: {
          model: {
            modelFormat: { name: 'onnx' },
            protocolVersion: 'v2',
            runtime: variant.runtime ?? 'kserve-tritonserver',
            storageUri: variant.storageUri,
          },
        },
      },
    });
    const annotations = (manifest.metadata as { annotations: Record<string, string> }).annotations;
    expect(annotations['dev.ood.certainty.output']).toBe('ood_scores');
  });

  it('is checked by a validator that does catch a misspelt or mistyped field', () => {
    const good = buildInferenceService({ name: 'digits', storageUri: 's3://m/r' });
    expect(validate(good)).toBe(true);
    const spec = good.spec as { predictor: { model: Record<string, unknown>; minReplicas: unknown } };
    expect(
      validate({
        ...good,
        spec: { predictor: { ...spec.predictor, model: { ...spec.predictor.model, storageURI: 'x' } } },
      }),
    ).toBe(false);
    expect(validate({ ...good, spec: { predictor: { ...spec.predictor, minReplicas: '1' } } })).toBe(false);
  });

  it('refuses a storage URI KServe cannot give Triton, a bad name and a bad quantity, with hints', async () => {
    await expect(deployKserve(zip, { storageUri: 'https://example.com/model.onnx' })).rejects.toMatchObject({
      code: 'KSERVE_BAD_STORAGE_URI',
      exitCode: 2,
    });
    await expect(deployKserve(zip, { storageUri: 'oci://registry.example.com/models/digits' })).rejects.toMatchObject({
      code: 'KSERVE_BAD_STORAGE_URI',
    });
    await expect(deployKserve(zip, { storageUri: 's3://m/r', name: 'Digits_v1' })).rejects.toMatchObject({
      code: 'KSERVE_BAD_NAME',
      hint: 'Pass --name digits-v1',
    });
    await expect(deployKserve(zip, { storageUri: 's3://m/r', memory: '2 GB' })).rejects.toMatchObject({
      code: 'BAD_OPTION',
    });
    await expect(deployKserve(zip, { storageUri: 's3://m/r', minReplicas: 3, maxReplicas: 2 })).rejects.toMatchObject({
      code: 'BAD_OPTION',
    });
  });

  it('writes, for --runtime ood, a ServingRuntime for the image and an InferenceService using it, both valid', async () => {
    const image = 'registry.example.com/models/digits-server:1.0.0';
    const result = await deployKserve(zip, { runtime: 'ood', image, namespace: 'ml' });
    const [runtime, service] = parseAllDocuments(result.yaml).map((d) => d.toJS() as Record<string, unknown>);
    expect(validateRuntime(runtime), JSON.stringify(validateRuntime.errors)).toBe(true);
    expect(validate(service), JSON.stringify(validate.errors)).toBe(true);
    expect(runtime).toMatchObject({ kind: 'ServingRuntime', metadata: { name: 'digits-ood', namespace: 'ml' } });
    const container = (runtime!.spec as { containers: Record<string, unknown>[] }).containers[0]!;
    expect(container).toMatchObject({
      image,
      readinessProbe: { httpGet: { path: '/v2/health/ready', port: 8080 } },
      livenessProbe: { httpGet: { path: '/v2/health/live', port: 8080 } },
      securityContext: { runAsNonRoot: true, runAsUser: 65532 },
    });
    const model = (service!.spec as { predictor: { model: Record<string, unknown> } }).predictor.model;
    expect(model.runtime).toBe('digits-ood');
    expect(model.storageUri).toBeUndefined();
    await expect(deployKserve(zip, { runtime: 'ood' })).rejects.toMatchObject({
      code: 'KSERVE_NEEDS_IMAGE',
      exitCode: 2,
    });
    await expect(deployKserve(zip, {})).rejects.toMatchObject({ code: 'KSERVE_NEEDS_STORAGE', exitCode: 2 });
  });

  it('names a bare model after its file', async () => {
    const result = await deployKserve(fixtures.digits.model, { storageUri: 'pvc://claim/repo' });
    expect((result.manifest.metadata as { name: string }).name).toBe('model');
    expect(validate(result.manifest)).toBe(true);
  });

  it('writes -o FILE through the CLI, refuses to replace it without --force, and exits 2 on a bad URI', async () => {
    const out = join(dir, 'digits.yaml');
    const args = ['deploy', 'kserve', zip, '--storage-uri', 'oci://r.example.com/m/digits:1', '-o', out];
    const first = await execa('node', [bin, ...args], { reject: false });
    expect(first.exitCode).toBe(0);
    expect(first.stderr).toContain('enableModelcar');
    expect(validate(parse(await readFile(out, 'utf8')))).toBe(true);
    const again = await execa('node', [bin, ...args], { reject: false });
    expect(again.exitCode).toBe(2);
    expect((await execa('node', [bin, ...args, '--force'], { reject: false })).exitCode).toBe(0);
    const bad = await execa('node', [bin, 'deploy', 'kserve', zip, '--storage-uri', 'ftp://x/y'], { reject: false });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/^Error: --storage-uri ftp:\/\/x\/y is not .*\nHint: /m);
  });
});
