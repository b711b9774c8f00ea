// Push/pull with zips made by the real `ood prepare` (buildArtifact), not just the test writer.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildArtifact, pullArtifact, pushArtifact } from '../../src/index.js';
import { registryAvailable, startRegistry, type RunningRegistry } from '../helpers/registry-harness.js';

const MODEL = new URL('../../examples/digits/model.onnx', import.meta.url).pathname;
const SAMPLE = new URL('../../examples/digits/sample.json', import.meta.url).pathname;

describe('artifacts built by ood prepare', () => {
  let dir: string;
  let v1: string;
  let v2: string;
  let registry: RunningRegistry | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ood-prepared-'));
    v1 = join(dir, 'v1.zip');
    v2 = join(dir, 'v2.zip');
    await buildArtifact({
      model: MODEL,
      sample: SAMPLE,
      output: v1,
      version: '1.0',
      env: { SOURCE_DATE_EPOCH: '1767225600' },
    });
    await buildArtifact({
      model: MODEL,
      sample: SAMPLE,
      output: v2,
      version: '2.0',
      env: { SOURCE_DATE_EPOCH: '1769904000' },
    });
    if (registryAvailable()) registry = await startRegistry();
  });
  afterAll(async () => {
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trip byte-identically and a rebuilt version shares the model layer (local store)', async () => {
    const env = { OOD_HOME: join(dir, 'home') };
    const first = await pushArtifact(v1, 'digits:1.0', { env });
    const second = await pushArtifact(v2, 'digits:2.0', { env });
    const model1 = first.layers.find((l) => l.title === 'model.onnx')!;
    const model2 = second.layers.find((l) => l.title === 'model.onnx')!;
    expect(model2.digest).toBe(model1.digest);
    expect(model2.uploaded).toBe(false);
    expect(`sha256:${first.annotations['dev.ood.model.sha256']}`).toBe(model1.digest);
    expect(second.annotations['org.opencontainers.image.version']).toBe('2.0');
    expect(second.annotations['org.opencontainers.image.created']).toMatch(/^2026-02-01T00:00:00/);
    for (const [ref, zip] of [
      ['digits:1.0', v1],
      ['digits:2.0', v2],
    ] as const) {
      const out = join(dir, `${ref.replace(':', '-')}.zip`);
      await pullArtifact(ref, out, { env });
      expect((await readFile(out)).equals(await readFile(zip))).toBe(true);
    }
  });

  it.skipIf(!registryAvailable())(
    'round-trip byte-identically through docker-registry, uploading the model once',
    async () => {
      const host = registry!.host;
      await pushArtifact(v1, `${host}/team/digits:1.0`);
      const second = await pushArtifact(v2, `${host}/team/digits:2.0`);
      const model = second.layers.find((l) => l.title === 'model.onnx')!;
      expect(model.uploaded).toBe(false);
      expect(second.stats.bytesUploaded).toBeLessThan(model.size);
      const out = join(dir, 'remote-v2.zip');
      await pullArtifact(`${host}/team/digits:2.0`, out);
      expect((await readFile(out)).equals(await readFile(v2))).toBe(true);
    },
  );
});
