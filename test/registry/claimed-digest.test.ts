// push reads a large stored model once: it hashes the bytes while they upload, and uses the digest runtime.yaml
// claims only to ask whether the registry has the blob already. A claim is never trusted: a runtime.yaml that
// names another model's digest cannot make push skip its own model.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullArtifact, pushArtifact } from '../../src/index.js';
import { writeTestArtifact } from '../helpers/artifact-zip.js';
import { startFakeRegistry, type FakeRegistry } from '../helpers/fake-registry.js';

// The models are bytes of the test's own, not ONNX (model.format FAILS): push past that one check, by name.
const options = { env: { HOME: '/nonexistent', DOCKER_CONFIG: '/nonexistent' }, ignoreChecks: ['model.format'] };
const hex = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function model(seed: number): Buffer {
  const bytes = Buffer.alloc(20 << 20);
  for (let i = 0; i < bytes.length; i += 4) bytes.writeUInt32LE((i * 2654435761 + seed) >>> 0, i);
  return bytes;
}

describe('a large stored model with a digest claimed in runtime.yaml', () => {
  let dir: string;
  let registry: FakeRegistry;
  const a = model(1);
  const b = model(2);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ood-claim-'));
    registry = await startFakeRegistry();
  });
  afterAll(async () => {
    await registry?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function roundTrip(zip: string, ref: string) {
    const pushed = await pushArtifact(zip, `${registry.host}/${ref}`, options);
    const out = join(dir, `${Math.random()}.zip`);
    await pullArtifact(`${registry.host}/${ref}`, out, options);
    expect((await readFile(out)).equals(await readFile(zip))).toBe(true);
    return pushed.layers.find((l) => l.title === 'model.onnx')!;
  }

  it('uploads once, under the digest of its bytes, and a rebuilt version skips it', async () => {
    const v1 = join(dir, 'v1.zip');
    const v2 = join(dir, 'v2.zip');
    await writeTestArtifact(v1, { model: a, modelSha256: hex(a), version: '1.0' });
    await writeTestArtifact(v2, { model: a, modelSha256: hex(a), version: '2.0' });
    expect(await roundTrip(v1, 'team/m:1.0')).toMatchObject({ digest: `sha256:${hex(a)}`, uploaded: true });
    expect(await roundTrip(v2, 'team/m:2.0')).toMatchObject({ digest: `sha256:${hex(a)}`, uploaded: false });
  });

  it('that names another model already in the registry does not borrow its blob', async () => {
    const liar = join(dir, 'liar.zip');
    await writeTestArtifact(liar, { model: b, modelSha256: hex(a) });
    expect(await roundTrip(liar, 'team/m:liar')).toMatchObject({ digest: `sha256:${hex(b)}`, uploaded: true });
  });

  it('that is wrong and names nothing is uploaded under its real digest', async () => {
    const wrong = join(dir, 'wrong.zip');
    const c = model(3);
    await writeTestArtifact(wrong, { model: c, modelSha256: 'ab'.repeat(32) });
    expect(await roundTrip(wrong, 'team/m:wrong')).toMatchObject({ digest: `sha256:${hex(c)}`, uploaded: true });
  });
});
