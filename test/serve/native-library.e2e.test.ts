// A machine where onnxruntime-node's native library cannot be loaded (a thin base image without librt): the server
// itself must not need the binding, so it starts, answers 513 naming the missing library on every DRUM route (as
// DRUM's error server does) and stops cleanly. test/deploy/ood-image.e2e.test.ts runs the real thin image; this is
// the same failure on the host, without podman: a preload makes every native addon fail to load. Before, the
// admission gate's import chain (runtime.yaml's reader → certainty's calibration) loaded the binding in the main
// process and `ood serve` exited at start.
import { execa } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildArtifact } from '../../src/artifact/build-artifact.js';
import { fixtures } from '../helpers/fixtures.js';
import { ROOT } from './helpers/artifact.js';
import { servedUrl } from './helpers/server.js';

const CLI = join(ROOT, 'dist/src/cli/main.js');
const PRELOAD = join(ROOT, 'test/fixtures/dlopen-fails.cjs');

describe('ood serve where onnxruntime-node cannot be loaded', () => {
  let work: string;
  let zip: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'ood-serve-native-'));
    zip = join(work, 'digits.zip');
    await buildArtifact({ model: fixtures.digits.model, output: zip, name: 'digits' });
  });
  afterAll(async () => rm(work, { recursive: true, force: true }));

  it('starts, answers 513 NATIVE_LIBRARY_MISSING naming librt.so.1, and exits 0 on SIGTERM', async () => {
    const child = execa(process.execPath, [CLI, 'serve', zip, '--port', '0', '--instances', '1'], {
      reject: false,
      timeout: 60_000,
      env: { NODE_OPTIONS: `--require ${PRELOAD}` },
    });
    const url = await servedUrl(child);
    let health = { status: 0, body: {} as Record<string, string> };
    for (let i = 0; i < 200 && health.status !== 513; i++) {
      const r = await fetch(`${url}/health/`);
      health = { status: r.status, body: (await r.json()) as Record<string, string> };
      if (health.status !== 513) await new Promise((r) => setTimeout(r, 100));
    }
    expect(health.status).toBe(513);
    expect(health.body).toMatchObject({
      code: 'NATIVE_LIBRARY_MISSING',
      message: expect.stringMatching(/^ERROR: the model failed to load: .*librt\.so\.1/),
      hint: expect.stringContaining('This system lacks librt.so.1'),
    });
    const predict = await fetch(`${url}/predict/`, { method: 'POST', body: 'a,b\n1,2\n' });
    expect(predict.status).toBe(513);
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode).toBe(0);
  }, 90_000);
});
