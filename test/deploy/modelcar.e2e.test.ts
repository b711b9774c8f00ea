// `ood push --modelcar` against real parts: Debian's docker-registry on loopback, a busybox base image built by
// podman from Debian's busybox-static, podman (runc) pulling and running the result with exactly the commands
// KServe runs in a modelcar (kserve/kserve pkg/utils/storage.go, CreateModelcarInitContainer and
// modelcarCommand), skopeo inspecting it, and the OCI image-spec JSON Schemas validating manifest and config.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushModelcar } from '../../src/deploy/modelcar.js';
import { repoRoot } from '../helpers/fixtures.js';
import { DIGIT_LABELS, makeDigitsArtifact, makeTorchvisionArtifact } from '../helpers/deploy-artifacts.js';
import { ociValidator } from '../helpers/oci-schemas.js';
import { createPodman, expectOk, missingContainerTools, pushBusyboxBase, type Podman } from '../helpers/podman.js';
import { missingTorch } from '../helpers/python.js';
import { registryAvailable, startRegistry, type RunningRegistry } from '../helpers/registry-harness.js';

// The init container's check and the modelcar's own command, as KServe writes them (after Kubernetes turns $$
// into $ in args).
const KSERVE_INIT_CHECK =
  "echo 'Pre-fetching modelcar: ' && [ -d /models ] && [ \"$(ls -A /models)\" ] && echo 'OK ... Prefetched and valid (/models exists)' || (echo 'NOK ... Prefetched but modelcar is invalid (/models does not exist or is empty)' && exit 1)";
const KSERVE_MODELCAR_COMMAND = 'ln -sf /proc/$$/root/models /mnt/models && sleep infinity';

const skip = !registryAvailable() || missingContainerTools();
const manifestValid = ociValidator('image-manifest-schema.json');
const configValid = ociValidator('config-schema.json');

describe.skipIf(skip)('ood push --modelcar', () => {
  let registry: RunningRegistry;
  let podman: Podman;
  let dir: string;
  let base: string;
  let digits: { model: string; zip: string };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ood-modelcar-'));
    registry = await startRegistry();
    podman = await createPodman();
    base = `${registry.host}/mirror/busybox:1.36`;
    await pushBusyboxBase(podman, base);
    digits = await makeDigitsArtifact(dir, { labels: DIGIT_LABELS });
  });
  afterAll(async () => {
    await podman?.cleanup();
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function fetchJson(path: string): Promise<Record<string, unknown>> {
    const res = await fetch(`http://${registry.host}/v2/${path}`, {
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json' },
    });
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, unknown>;
  }

  it('pushes an image KServe accepts: podman runs its init check and modelcar command, and /models holds the enabled model', async () => {
    const ref = `${registry.host}/models/digits:1.0.0`;
    const result = await pushModelcar(digits.zip, ref, { base });
    expect(result.layers.map((l) => [l.from, l.transfer])).toEqual([
      ['base', 'mounted'],
      ['new', 'uploaded'],
    ]);
    expect(result.platform).toBe('linux/amd64');

    await expectOk(podman.run(['pull', '--tls-verify=false', ref]), 'podman pull');
    const init = await expectOk(podman.run(['run', '--rm', ref, 'sh', '-c', KSERVE_INIT_CHECK]), 'init check');
    expect(String(init.stdout)).toContain('OK ... Prefetched and valid');
    const listing = await expectOk(podman.run(['run', '--rm', ref, 'sh', '-c', 'ls -A /models']), 'ls -A /models');
    expect(String(listing.stdout).trim()).toBe('digits');

    const name = `ood-modelcar-${process.pid}`;
    await expectOk(
      podman.run([
        'run',
        '-d',
        '--name',
        name,
        '--mount',
        'type=tmpfs,destination=/mnt',
        ref,
        'sh',
        '-c',
        KSERVE_MODELCAR_COMMAND,
      ]),
      'modelcar container',
    );
    try {
      const exec = (cmd: string) =>
        podman.run(['exec', name, 'sh', '-c', cmd], { encoding: 'buffer', stripFinalNewline: false });
      let files = await exec('cd /mnt/models/ && find . -type f | sort');
      for (
        let i = 0;
        i < 50 &&
        Buffer.from(files.stdout as Uint8Array)
          .toString()
          .trim() === '';
        i++
      ) {
        await new Promise((r) => setTimeout(r, 100));
        files = await exec('cd /mnt/models/ && find . -type f | sort');
      }
      expect(
        Buffer.from(files.stdout as Uint8Array)
          .toString()
          .trim()
          .split('\n'),
      ).toEqual(['./digits/1/model.onnx', './digits/config.pbtxt', './digits/labels.txt']);
      const model = await exec('cat /mnt/models/digits/1/model.onnx');
      expect(Buffer.from(model.stdout as Uint8Array).equals(await readFile(digits.model))).toBe(true);
      const labels = await exec('cat /mnt/models/digits/labels.txt');
      expect(Buffer.from(labels.stdout as Uint8Array).toString()).toBe(`${DIGIT_LABELS.join('\n')}\n`);
      const config = await exec('cat /mnt/models/digits/config.pbtxt');
      expect(Buffer.from(config.stdout as Uint8Array).toString()).toMatch(/label_filename: "labels.txt"/);
    } finally {
      await podman.run(['rm', '-f', '-t', '0', name]);
    }
  });

  it('is an image skopeo inspects, with a manifest and config that satisfy the OCI schemas', async () => {
    const ref = `${registry.host}/models/digits:1.0.0`;
    const inspected = await expectOk(podman.skopeo(['inspect', '--tls-verify=false', `docker://${ref}`]), 'skopeo');
    const info = JSON.parse(String(inspected.stdout)) as { Layers: string[]; Architecture: string; Os: string };
    expect(info.Os).toBe('linux');
    expect(info.Architecture).toBe('amd64');
    expect(info.Layers).toHaveLength(2);

    const manifest = await fetchJson('models/digits/manifests/1.0.0');
    expect(manifestValid(manifest), JSON.stringify(manifestValid.errors)).toBe(true);
    const configDigest = (manifest.config as { digest: string }).digest;
    const config = await fetchJson(`models/digits/blobs/${configDigest}`);
    expect(configValid(config), JSON.stringify(configValid.errors)).toBe(true);
    const rootfs = config.rootfs as { diff_ids: string[] };
    const history = config.history as { empty_layer?: boolean; created_by?: string }[];
    expect(rootfs.diff_ids).toHaveLength(2);
    expect(history.filter((h) => !h.empty_layer)).toHaveLength(2);
    expect(history.at(-1)!.created_by).toMatch(/ood push --modelcar/);
    const baseManifest = await fetchJson('mirror/busybox/manifests/1.36');
    const baseConfig = await fetchJson(`mirror/busybox/blobs/${(baseManifest.config as { digest: string }).digest}`);
    expect(rootfs.diff_ids[0]).toBe((baseConfig.rootfs as { diff_ids: string[] }).diff_ids[0]);
    expect(config.architecture).toBe(baseConfig.architecture);
    expect(config.os).toBe(baseConfig.os);
  });

  it('links image and artifact: the subject is the ood manifest, and the referrers tag lists the image', async () => {
    const ref = `${registry.host}/models/digits:1.0.0`;
    const manifest = await fetchJson('models/digits/manifests/1.0.0');
    const annotations = manifest.annotations as Record<string, string>;
    const subject = manifest.subject as { digest: string; mediaType: string };
    expect(annotations['dev.ood.artifact.manifest']).toBe(subject.digest);
    expect(annotations['org.opencontainers.image.base.name']).toBe(base);
    expect(annotations['org.opencontainers.image.title']).toBe('digits');
    expect(annotations['org.opencontainers.image.version']).toBe('1.0.0');
    const artifact = await fetchJson(`models/digits/manifests/${subject.digest}`);
    expect(artifact.artifactType).toBe('application/vnd.ood.artifact.v1');
    const referrers = await fetchJson(`models/digits/manifests/${subject.digest.replace(':', '-')}`);
    const again = await pushModelcar(digits.zip, ref, { base });
    expect((referrers.manifests as { digest: string }[]).map((m) => m.digest)).toEqual([again.digest]);
    expect(again.layers.every((l) => l.transfer === 'present')).toBe(true);
  });

  it('gives the same image digest for the same artifact, and copies base layers from another registry', async () => {
    const first = await pushModelcar(digits.zip, `${registry.host}/models/again:1`, { base });
    const other = await startRegistry();
    try {
      const elsewhere = await pushModelcar(digits.zip, `${other.host}/models/digits:1`, { base });
      expect(elsewhere.digest).toBe(first.digest);
      expect(elsewhere.layers.map((l) => l.transfer)).toEqual(['copied', 'uploaded']);
    } finally {
      await other.stop();
    }
  });

  it('refuses a local reference and a base that is not an image, with hints', async () => {
    await expect(pushModelcar(digits.zip, 'digits:1.0.0', { base })).rejects.toMatchObject({
      code: 'MODELCAR_NEEDS_REGISTRY',
      exitCode: 2,
    });
    const { pushArtifact } = await import('../../src/registry/push.js');
    await pushArtifact(digits.zip, `${registry.host}/plain/digits:1`);
    await expect(
      pushModelcar(digits.zip, `${registry.host}/models/x:1`, { base: `${registry.host}/plain/digits:1` }),
    ).rejects.toMatchObject({ code: 'BASE_NOT_AN_IMAGE' });
  });

  it('is what `ood push --modelcar` does on the command line, which prints the digest and the storageUri', async () => {
    const bin = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
    const ref = `${registry.host}/models/cli:1.0.0`;
    const r = await execa('node', [bin, 'push', digits.zip, ref, '--modelcar', '--base', base], { reject: false });
    expect(r.stderr).toContain(`storageUri: oci://${ref}`);
    expect(r.exitCode).toBe(0);
    const manifest = await fetchJson('models/cli/manifests/1.0.0');
    expect(`sha256:${createHash('sha256').update(JSON.stringify(manifest)).digest('hex')}`).toBe(r.stdout.trim());
    const noBase = await execa('node', [bin, 'push', digits.zip, ref, '--modelcar'], { reject: false });
    expect(noBase.exitCode).toBe(2);
    expect(noBase.stderr).toMatch(/^Error: --modelcar needs --base.*\nHint: /m);
    const stray = await execa('node', [bin, 'push', digits.zip, ref, '--base', base], { reject: false });
    expect(stray.exitCode).toBe(2);
    expect(stray.stderr).toContain('--base only apply with --modelcar');
  });

  it.skipIf(missingTorch())(
    'carries a torchvision MobileNetV2 that podman finds under /models',
    async () => {
      const sub = join(dir, 'tv');
      await (await import('node:fs/promises')).mkdir(sub);
      const tv = await makeTorchvisionArtifact(sub);
      const ref = `${registry.host}/models/mobilenet:1.0.0`;
      await pushModelcar(tv.zip, ref, { base, maxBatch: 4 });
      await expectOk(podman.run(['pull', '--tls-verify=false', ref]), 'podman pull');
      const digest = await expectOk(
        podman.run(['run', '--rm', ref, 'sh', '-c', 'sha256sum /models/mobilenet-v2/1/model.onnx']),
        'sha256sum',
      );
      const want = createHash('sha256')
        .update(await readFile(tv.model))
        .digest('hex');
      expect(String(digest.stdout).split(' ')[0]).toBe(want);
    },
    300_000,
  );
});
