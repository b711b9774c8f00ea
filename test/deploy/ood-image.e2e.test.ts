// `ood image`: the ood server in a container, built without a daemon on a Node.js base made from this machine's
// node, pulled and run by podman (runc) with its port on loopback, answering V2 and DRUM requests like a direct
// onnxruntime run (V2 JSON, and DRUM's multipart X=@data.csv), draining on SIGTERM; rebuilt reproducibly, and a new
// model version changes only its layer. On a base without the system libraries onnxruntime-node loads, the server
// stays up and says which library is missing (DRUM's 513), rather than failing as a bug.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildArtifact } from '../../src/artifact/build-artifact.js';
import { enableModel } from '../../src/certainty/enable.js';
import { pushOodImage } from '../../src/deploy/ood-image/ood-image.js';
import { fixtures } from '../helpers/fixtures.js';
import { createPodman, expectOk, missingContainerTools, pushNodeBase, type Podman } from '../helpers/podman.js';
import { freePort, registryAvailable, startRegistry, type RunningRegistry } from '../helpers/registry-harness.js';

const skip = !registryAvailable() || missingContainerTools();
const ROWS = [
  [0.1, -0.2, 0.3, 0.4, -0.5, 0.6],
  [1, 2, 3, 4, 5, 6],
  [-1, 0, 1, 0, -1, 0],
];

describe.skipIf(skip)('ood image', () => {
  let registry: RunningRegistry;
  let podman: Podman;
  let dir: string;
  let base: string;
  let enabled: string;
  let v1: string;
  let v2: string;
  let firstPush: Awaited<ReturnType<typeof pushOodImage>> | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ood-image-'));
    registry = await startRegistry();
    podman = await createPodman();
    base = `${registry.host}/mirror/node:local`;
    await pushNodeBase(podman, base);
    enabled = join(dir, 'mlp-enabled.onnx');
    await enableModel({ model: fixtures.mlp(17), output: enabled });
    v1 = join(dir, 'mlp-1.zip');
    v2 = join(dir, 'mlp-2.zip');
    for (const [zip, version, epoch] of [
      [v1, '1.0.0', '1767225600'],
      [v2, '2.0.0', '1769904000'],
    ] as const)
      await buildArtifact({
        model: enabled,
        output: zip,
        name: 'mlp',
        version,
        introspect: false,
        env: { SOURCE_DATE_EPOCH: epoch },
      });
  }, 300_000);
  afterAll(async () => {
    await podman?.cleanup();
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function direct(): Promise<{ logits: number[]; scores: number[] }> {
    const session = await ort.InferenceSession.create(enabled);
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from(ROWS.flat()), [ROWS.length, 6]) });
    await session.release();
    return { logits: [...(out.logits!.data as Float32Array)], scores: [...(out.ood_scores!.data as Float32Array)] };
  }

  it('serves V2 and DRUM requests in podman like a direct onnxruntime run, and exits 0 on SIGTERM', async () => {
    const ref = `${registry.host}/models/mlp-server:1.0.0`;
    const result = await pushOodImage(v1, ref, { base });
    firstPush = result;
    expect(result.layers.map((l) => l.from)).toEqual(['base', 'new', 'new', 'new']);
    await expectOk(podman.run(['pull', '--tls-verify=false', ref]), 'podman pull');
    const port = await freePort();
    const name = `ood-image-${process.pid}`;
    await expectOk(podman.run(['run', '-d', '--name', name, '-p', `127.0.0.1:${port}:8080`, ref]), 'podman run');
    try {
      const url = `http://127.0.0.1:${port}`;
      let ready = 0;
      for (let i = 0; i < 300 && ready !== 200; i++) {
        ready = await fetch(`${url}/v2/health/ready`).then(
          (r) => r.status,
          () => 0,
        );
        if (ready !== 200) await new Promise((r) => setTimeout(r, 200));
      }
      const logs = async () => {
        const r = await podman.run(['logs', name]);
        return `${String(r.stdout)}\n${String(r.stderr)}`;
      };
      expect(ready, await logs()).toBe(200);
      const want = await direct();
      const v2res = await fetch(`${url}/v2/models/mlp/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [ROWS.length, 6], data: ROWS.flat() }] }),
      });
      expect(v2res.status).toBe(200);
      const body = (await v2res.json()) as { outputs: { name: string; data: number[] }[] };
      const out = (n: string) => body.outputs.find((o) => o.name === n)!.data;
      out('logits').forEach((v, i) => expect(v).toBeCloseTo(want.logits[i]!, 5));
      out('ood_scores').forEach((v, i) => expect(v).toBeCloseTo(want.scores[i]!, 5));
      // DRUM's client: the scoring data as the multipart form field X (a CSV file with a header line).
      const csv = join(dir, 'data.csv');
      await writeFile(csv, `x_0,x_1,x_2,x_3,x_4,x_5\n${ROWS.map((r) => r.join(',')).join('\n')}\n`);
      const drum = await execa('curl', ['-sS', '-w', '\n%{http_code}', '-F', `X=@${csv}`, `${url}/predict/`]);
      const [text, status] = [drum.stdout.slice(0, drum.stdout.lastIndexOf('\n')), drum.stdout.split('\n').pop()];
      expect(status, await logs()).toBe('200');
      const predicted = JSON.parse(text) as {
        predictions: Record<string, number>[];
        extraModelOutput: { columns: string[]; data: number[][] };
      };
      predicted.predictions.forEach((row, r) => {
        const logits = want.logits.slice(r * 5, (r + 1) * 5);
        const exps = logits.map((v) => Math.exp(v - Math.max(...logits)));
        const sum = exps.reduce((a, b) => a + b, 0);
        expect(Object.keys(row)).toEqual(['0', '1', '2', '3', '4']);
        Object.values(row).forEach((p, c) => expect(p).toBeCloseTo(exps[c]! / sum, 5));
      });
      expect(predicted.extraModelOutput.columns).toEqual(['ood_scores']);
      predicted.extraModelOutput.data.forEach(([v], i) => expect(v).toBeCloseTo(want.scores[i]!, 5));
      await expectOk(podman.run(['stop', '-t', '30', name]), 'podman stop');
      const state = await expectOk(podman.run(['inspect', '--format', '{{.State.ExitCode}}', name]), 'podman inspect');
      expect(String(state.stdout).trim()).toBe('0');
      expect(await logs()).toMatch(/SIGTERM received[\s\S]*stopped/);
    } finally {
      await podman.run(['rm', '-f', '-t', '0', name]);
    }
  }, 300_000);

  it('gives the same digest when rebuilt, and a new model version changes only the artifact layer', async () => {
    const first = await pushOodImage(v1, `${registry.host}/models/mlp-server:again`, { base });
    // The first test's push of the same artifact (pushed again here when that test was filtered out).
    const earlier = firstPush ?? (await pushOodImage(v1, `${registry.host}/models/mlp-server:1.0.0`, { base }));
    expect(first.digest).toBe(earlier.digest);
    const second = await pushOodImage(v2, `${registry.host}/models/mlp-server:2.0.0`, { base });
    const digests = (r: typeof first) => r.layers.map((l) => l.digest);
    expect(digests(second).slice(0, -1)).toEqual(digests(first).slice(0, -1));
    expect(digests(second).at(-1)).not.toBe(digests(first).at(-1));
    expect(second.layers.slice(0, -1).every((l) => l.transfer === 'present')).toBe(true);
    expect(second.layers.at(-1)!.transfer).toBe('uploaded');
  }, 300_000);

  it('on a base without librt answers 513 naming the missing library (an input error, exit 3), not a bug', async () => {
    const thin = `${registry.host}/mirror/node:thin`;
    await pushNodeBase(podman, thin, { thin: true });
    const ref = `${registry.host}/models/mlp-server:thin`;
    await pushOodImage(v1, ref, { base: thin });
    await expectOk(podman.run(['pull', '--tls-verify=false', ref]), 'podman pull');
    const port = await freePort();
    const name = `ood-image-thin-${process.pid}`;
    await expectOk(podman.run(['run', '-d', '--name', name, '-p', `127.0.0.1:${port}:8080`, ref]), 'podman run');
    try {
      let health: { status: number; body: Record<string, string> } = { status: 0, body: {} };
      for (let i = 0; i < 300 && health.status !== 513; i++) {
        health = await fetch(`http://127.0.0.1:${port}/health/`).then(
          async (r) => ({ status: r.status, body: (await r.json()) as Record<string, string> }),
          () => ({ status: 0, body: {} }),
        );
        if (health.status !== 513) await new Promise((r) => setTimeout(r, 200));
      }
      // On failure, the container's own output says why (e.g. ood serve exiting before it listens).
      const logs = health.status === 513 ? '' : String((await podman.run(['logs', name])).stderr);
      expect(health.status, logs).toBe(513);
      expect(health.body).toMatchObject({
        code: 'NATIVE_LIBRARY_MISSING',
        message: expect.stringMatching(
          /^ERROR: the model failed to load: onnxruntime-node's native library cannot be loaded: .*librt\.so\.1/,
        ),
        hint: expect.stringContaining('This system lacks librt.so.1'),
      });
      await expectOk(podman.run(['stop', '-t', '30', name]), 'podman stop');
      const state = await expectOk(podman.run(['inspect', '--format', '{{.State.ExitCode}}', name]), 'podman inspect');
      expect(String(state.stdout).trim()).toBe('0');
    } finally {
      await podman.run(['rm', '-f', '-t', '0', name]);
    }
  }, 300_000);

  it('refuses a base whose Node.js is too old for the artifact, saying which', async () => {
    await expect(
      pushOodImage(v1, `${registry.host}/models/x:1`, { base, nodeVersion: '18.0.0' }),
    ).rejects.toMatchObject({
      code: 'IMAGE_NODE_TOO_OLD',
      message: expect.stringContaining('18.0.0'),
    });
    await writeFile(join(dir, 'unused'), '');
  });
});
