// A certainty-enabled model (ood enable + ood prepare) served: every protocol carries ood_scores next to the
// model's own outputs, and /info shows the certainty settings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { enableModel } from '../../src/certainty/enable.js';
import { buildArtifact } from '../../src/artifact/build-artifact.js';
import { DIGITS, ROOT } from './helpers/artifact.js';
import { get, postJson, serve } from './helpers/server.js';
import type { RunningServer } from '../../src/serve/server.js';

const sample = JSON.parse(await readFile(join(ROOT, 'examples/digits/sample.json'), 'utf8'));
let server: RunningServer;
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ood-serve-certainty-'));
  await enableModel({
    model: DIGITS,
    output: join(work, 'enabled.onnx'),
    data: join(ROOT, 'examples/digits/data/calibration.npy'),
  });
  await buildArtifact({
    model: join(work, 'enabled.onnx'),
    output: join(work, 'digits.zip'),
    name: 'digits',
    sample: join(ROOT, 'examples/digits/sample.json'),
  });
  server = await serve(join(work, 'digits.zip'));
});
afterAll(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

const inUnitInterval = (v: unknown) => typeof v === 'number' && v >= 0 && v <= 1;
const image = (i: number) => [
  Array.from({ length: 8 }, (_, r) => sample.inputs[0].data.slice(i * 64 + r * 8, i * 64 + r * 8 + 8)),
];

describe('a certainty-enabled artifact served from a zip', () => {
  it('shows its certainty settings on /info and /capabilities', async () => {
    const info = await get(`${server.url}/info`);
    expect(info.json.certainty).toMatchObject({ ENABLED: true, OUTPUT: 'ood_scores', NORMALIZATION: 'cdf' });
    expect((await get(`${server.url}/capabilities`)).json.certainty_output).toBe('ood_scores');
  });

  it('returns ood_scores next to the logits through V2', async () => {
    const r = await postJson(`${server.url}/v2/models/digits/infer`, sample);
    expect(r.json.outputs.map((o: { name: string }) => o.name)).toEqual(['logits', 'ood_scores']);
    const scores = r.json.outputs[1];
    expect(scores.shape).toEqual([4, 1]);
    expect(scores.data.every(inUnitInterval)).toBe(true);
  });

  it('returns predictions plus an ood_scores list through /predict instances', async () => {
    const r = await postJson(`${server.url}/predict`, { instances: [image(0), image(1), image(2)] });
    expect(r.status).toBe(200);
    expect(r.json.predictions).toHaveLength(3);
    expect(r.json.predictions[0]).toHaveLength(8);
    expect(r.json.ood_scores).toHaveLength(3);
    expect(r.json.ood_scores.every(inUnitInterval)).toBe(true);
  });

  it("answers V1 rows with one object per row keyed by output name, TF-Serving's rule for several outputs", async () => {
    const r = await postJson(`${server.url}/v1/models/digits:predict`, { instances: [image(0), image(1), image(2)] });
    expect(r.status).toBe(200);
    expect(r.json.predictions).toHaveLength(3);
    for (const row of r.json.predictions) {
      expect(Object.keys(row)).toEqual(['logits', 'ood_scores']);
      expect(row.logits).toHaveLength(8);
      expect(row.ood_scores).toHaveLength(1);
      expect(inUnitInterval(row.ood_scores[0])).toBe(true);
    }
    const columns = await postJson(`${server.url}/v1/models/digits:predict`, { inputs: [image(0), image(1)] });
    expect(columns.status).toBe(200);
    expect(Object.keys(columns.json.outputs)).toEqual(['logits', 'ood_scores']);
    expect(columns.json.outputs.logits).toHaveLength(2);
    columns.json.outputs.ood_scores.forEach(([score]: number[], i: number) =>
      expect(score).toBeCloseTo(r.json.predictions[i].ood_scores[0], 5),
    );
  });

  it('can be asked for the score alone', async () => {
    const r = await postJson(`${server.url}/v2/models/digits/infer`, { ...sample, outputs: [{ name: 'ood_scores' }] });
    expect(r.json.outputs.map((o: { name: string }) => o.name)).toEqual(['ood_scores']);
  });
});
