// An interrupted push leaves the registry consistent (no tag points at missing blobs), and running it again
// completes it, skipping the blobs that already made it.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullArtifact, pushArtifact } from '../../src/index.js';
import { writeTestArtifact } from '../helpers/artifact-zip.js';
import { startCountingProxy } from '../helpers/counting-proxy.js';
import { registryAvailable, startRegistry, type RunningRegistry } from '../helpers/registry-harness.js';

const CLI = new URL('../../dist/src/cli/main.js', import.meta.url).pathname;
// The model is bytes of the test's own, not ONNX (model.format FAILS): push past that one check, by name.
const NOT_ONNX = ['model.format'];
const IGNORE_NOT_ONNX = ['--ignore-check', 'model.format'];

describe.skipIf(!registryAvailable())('an interrupted push', () => {
  let registry: RunningRegistry;
  let dir: string;
  let zip: string;

  beforeAll(async () => {
    registry = await startRegistry();
    dir = await mkdtemp(join(tmpdir(), 'ood-interrupt-'));
    zip = join(dir, 'big.zip');
    const model = Buffer.alloc(40 * 1024 * 1024);
    for (let i = 0; i < model.length; i += 4) model.writeUInt32LE((i * 2654435761) >>> 0, i);
    await writeTestArtifact(zip, { model });
  });
  afterAll(async () => {
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('that failed after some blobs publishes no tag, and a rerun uploads only what is missing', async () => {
    const ref = `${registry.host}/team/hook:1.0`;
    let uploads = 0;
    const failing = pushArtifact(zip, ref, {
      ignoreChecks: NOT_ONNX,
      onBlob: ({ uploaded }) => {
        if (uploaded && ++uploads === 2) throw new Error('simulated crash');
      },
    });
    await expect(failing).rejects.toThrow('simulated crash');
    await expect(pullArtifact(ref, join(dir, 'none.zip'))).rejects.toMatchObject({ code: 'REGISTRY_NOT_FOUND' });
    const rerun = await pushArtifact(zip, ref, { ignoreChecks: NOT_ONNX });
    expect(rerun.stats.blobsSkipped).toBe(2);
    expect(rerun.stats.blobsUploaded).toBe(rerun.layers.length + 1 - 2);
    const out = join(dir, 'hook.zip');
    await pullArtifact(ref, out);
    expect((await readFile(out)).equals(await readFile(zip))).toBe(true);
  });

  it('killed (SIGKILL) in the middle of the model upload completes on the next run', async () => {
    const proxy = await startCountingProxy(registry.host);
    try {
      const ref = `${proxy.host}/team/killed:1.0`;
      const child = execa('node', [CLI, 'push', zip, ref, ...IGNORE_NOT_ONNX], { reject: false });
      const deadline = Date.now() + 30_000;
      // The model goes up first, in one streamed PUT: kill once its bytes are flowing.
      const uploading = () =>
        proxy.requests.some((r) => r.method === 'PUT' && r.path.includes('/blobs/uploads/') && r.bodyBytes > 0);
      while (!uploading() && Date.now() < deadline) await sleep(5);
      child.kill('SIGKILL');
      const killed = await child;
      expect(killed.signal).toBe('SIGKILL');
      // The tag check before the upload reads the manifest; no manifest may have been written.
      expect(proxy.requests.some((r) => r.method === 'PUT' && r.path.includes('/manifests/'))).toBe(false);
      await expect(pullArtifact(`${registry.host}/team/killed:1.0`, join(dir, 'none2.zip'))).rejects.toMatchObject({
        code: 'REGISTRY_NOT_FOUND',
      });
      const rerun = await execa('node', [CLI, 'push', zip, ref, '--json', ...IGNORE_NOT_ONNX]);
      const result = JSON.parse(rerun.stdout);
      // The model goes first (nothing else of an artifact is sent before its bytes passed the gate), so nothing
      // else had reached the registry; skipping what did is the first test's.
      expect(result.stats.blobs_skipped).toBe(0);
      expect(result.layers.find((l: { title?: string }) => l.title === 'model.onnx').uploaded).toBe(true);
      const out = join(dir, 'killed.zip');
      await pullArtifact(`${registry.host}/team/killed:1.0`, out);
      expect((await readFile(out)).equals(await readFile(zip))).toBe(true);
    } finally {
      await proxy.close();
    }
  });
});
