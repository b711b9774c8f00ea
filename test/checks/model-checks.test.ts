import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildArtifact } from '../../src/artifact/build-artifact.js';
import { runChecks } from '../../src/checks/run-checks.js';
import { fixtures } from '../helpers/fixtures.js';

// External data is read by onnxruntime from paths the model itself names, so a model must not be able to point
// outside its artifact. Each case: the external-data fixture prepared as a directory, with one change.
let temp: string;
beforeAll(async () => {
  temp = await mkdtemp(join(tmpdir(), 'ood-model-checks-'));
});
afterAll(async () => {
  await rm(temp, { recursive: true, force: true });
});

async function preparedExternal(): Promise<string> {
  const dir = join(await mkdtemp(join(temp, 'a-')), 'artifact');
  await buildArtifact({ model: fixtures.externalData.model, dir });
  return dir;
}

async function modelChecks(dir: string) {
  const report = await runChecks(dir, { only: ['model.format', 'model.load'] });
  return Object.fromEntries(report.checks.filter((c) => c.key.startsWith('model.')).map((c) => [c.key, c])) as Record<
    string,
    { result: string; message: string }
  >;
}

describe('external data', () => {
  it('loads when the data file sits beside the model', async () => {
    const checks = await modelChecks(await preparedExternal());
    expect(checks['model.format']!.result).toBe('PASSED');
    expect(checks['model.format']!.message).toContain('1 external data files');
    expect(checks['model.load']!.result).toBe('PASSED');
  });

  it('fails model.format, and never loads the model, when a location climbs out of the artifact', async () => {
    const dir = await preparedExternal();
    const model = await readFile(join(dir, 'model.onnx'));
    // Same length, so the protobuf stays well-formed: "weights.bin" -> "../ghts.bin".
    await writeFile(
      join(dir, 'model.onnx'),
      Buffer.from(model.toString('latin1').replaceAll('weights.bin', '../ghts.bin'), 'latin1'),
    );
    await writeFile(join(temp, 'ghts.bin'), Buffer.alloc(1024));
    const checks = await modelChecks(dir);
    expect(checks['model.format']!.result).toBe('FAILED');
    expect(checks['model.format']!.message).toContain('points outside the artifact');
    expect(checks['model.load']!.result).toBe('SKIPPED');
  });

  it('fails model.format when the data file is missing', async () => {
    const dir = await preparedExternal();
    await rm(join(dir, 'weights.bin'));
    const checks = await modelChecks(dir);
    expect(checks['model.format']!.result).toBe('FAILED');
    expect(checks['model.format']!.message).toContain('weights.bin is missing');
  });
});
