// What operators see of a certainty-enabled (knn) digits server: /metrics parsed by an independent Prometheus
// text-format parser with counters that match the requests sent, an ood_scores histogram that moves when
// out-of-distribution digits arrive, the threshold `ood enable` recorded counting the OOD rows when no
// --ood-threshold is given, the V2 statistics extension, and an empty batch that is answered without
// running the model (knn's TopK once raised SIGFPE on zero rows; the test checks that no instance ran it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { parse, stringify } from 'yaml';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingPython } from '../helpers/python.js';
import { enableModel } from '../../src/certainty/enable.js';
import { OnnxModel } from '../../src/onnx/model.js';
import { buildArtifact } from '../../src/artifact/build-artifact.js';
import { fixtures } from '../helpers/fixtures.js';
import { readNpy } from '../helpers/npy.js';
import { get, postJson, serve, type TestServer } from './helpers/server.js';
import { sealArtifact } from './helpers/artifact.js';
import { parsePrometheus, value, valueOrZero, type Sample } from './helpers/prometheus.js';

let work: string;
let server: TestServer;
let zip: string;
let enabled: string;
const stale = join(tmpdir(), 'ood-serve-999999-leftover');

const rows = (path: string, from: number, n: number) => {
  const data = readNpy(path).data as Float32Array;
  return {
    inputs: [
      {
        name: 'image',
        datatype: 'FP32',
        shape: [n, 1, 8, 8],
        data: Array.from(data.subarray(from * 64, (from + n) * 64)),
      },
    ],
  };
};

async function metrics(url = server.url): Promise<Sample[]> {
  const res = await get(`${url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0.0.4/);
  return parsePrometheus(res.text);
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ood-serve-observe-'));
  enabled = join(work, 'knn.onnx');
  await enableModel({
    model: fixtures.digits.model,
    output: enabled,
    method: 'knn',
    data: fixtures.digits.idTrain,
    featureFit: { k: 5, maxStored: 500 },
  });
  zip = join(work, 'knn.zip');
  await buildArtifact({ model: enabled, output: zip, name: 'digits', sample: fixtures.digits.sample });
  mkdirSync(stale, { recursive: true }); // as a server killed with SIGKILL would leave it
  server = await serve(zip, { instances: 2, oodThreshold: 0.05 });
});
afterAll(async () => {
  await server?.close();
  await rm(work, { recursive: true, force: true });
});

describe('an empty batch', () => {
  it('gets 200 with zero-row outputs of the right datatypes without running the model, and the server stays up', async () => {
    const runs = () => server.engine.instances.reduce((n, i) => n + (i?.runs ?? 0), 0);
    const before = runs();
    const empty = await postJson(`${server.url}/v2/models/digits/infer`, {
      inputs: [{ name: 'image', datatype: 'FP32', shape: [0, 1, 8, 8], data: [] }],
    });
    expect(empty.status).toBe(200);
    expect(empty.json.outputs).toEqual([
      { name: 'logits', datatype: 'FP32', shape: [0, 8], data: [] },
      { name: 'ood_scores', datatype: 'FP32', shape: [0, 1], data: [] },
    ]);
    expect(runs()).toBe(before); // answered by the engine: no instance saw it
    expect((await get(`${server.url}/health`)).status).toBe(200);
    expect(
      (await postJson(`${server.url}/v2/models/digits/infer`, rows(fixtures.digits.calibration, 0, 2))).status,
    ).toBe(200);
  });
});

describe.skipIf(missingPython('prometheus_client'))('/metrics', () => {
  it('parses as Prometheus text, and its request counters match the requests sent', async () => {
    const before = await metrics();
    const route = '/v2/models/{name}[/versions/{version}]/infer';
    // A scrape taken before: a route and status not answered yet has no series, so it reads as 0; after, it must exist.
    const count = (m: Sample[], status: string, read = value) => read(m, 'ood_requests_total', { route, status });
    const sent = await Promise.all([
      ...Array.from({ length: 7 }, (_, i) =>
        postJson(`${server.url}/v2/models/digits/infer`, rows(fixtures.digits.calibration, i, 1)),
      ),
      ...Array.from({ length: 3 }, () => postJson(`${server.url}/v2/models/digits/infer`, { inputs: [] })),
    ]);
    expect(sent.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 400, 400, 400]);
    const after = await metrics();
    expect(count(after, '200') - count(before, '200', valueOrZero)).toBe(7);
    expect(count(after, '400') - count(before, '400', valueOrZero)).toBe(3);
    const phase = (p: string) => value(after, 'ood_inference_phase_duration_seconds_count', { phase: p });
    for (const p of ['decode', 'queue', 'inference', 'encode']) expect(phase(p), p).toBeGreaterThanOrEqual(7);
    expect(value(after, 'ood_batch_size_count')).toBeGreaterThanOrEqual(7);
    expect(after.some((s) => s.name === 'ood_queue_depth')).toBe(true);
    expect(value(after, 'ood_instance_restarts_total')).toBe(0); // value() throws when the series is missing
  });

  it('moves the ood_scores histogram down, and counts rows below the threshold, for out-of-distribution inputs', async () => {
    // `start` may precede the first scored row (the histogram's series appears with it); the later scrapes may not.
    const low = (m: Sample[], read = value) => read(m, 'ood_scores_bucket', { model: 'digits', le: '0.1' });
    const total = (m: Sample[], read = value) => read(m, 'ood_scores_count', { model: 'digits' });
    const below = (m: Sample[]) => value(m, 'ood_out_of_distribution_rows_total', { model: 'digits' });
    const start = await metrics();
    await postJson(`${server.url}/v2/models/digits/infer`, rows(fixtures.digits.calibration, 0, 64));
    const afterId = await metrics();
    await postJson(`${server.url}/v2/models/digits/infer`, rows(fixtures.digits.oodNoise, 0, 64));
    const afterOod = await metrics();
    expect(total(afterId) - total(start, valueOrZero)).toBe(64);
    expect(total(afterOod) - total(afterId)).toBe(64);
    const idLow = low(afterId) - low(start, valueOrZero);
    const oodLow = low(afterOod) - low(afterId);
    expect(oodLow).toBeGreaterThan(2 * Math.max(idLow, 3)); // noise scores pile up near 0
    expect(below(afterOod) - below(afterId)).toBeGreaterThan(below(afterId) - below(start));
    expect(value(afterOod, 'ood_threshold', { model: 'digits' })).toBe(0.05);
  });
});

describe.skipIf(missingPython('prometheus_client'))('the OOD threshold without --ood-threshold', () => {
  // Both in- and out-of-distribution digits, so that rows fall on either side of a threshold of about 5% ID rejection.
  const mixed = () => {
    const id = rows(fixtures.digits.calibration, 0, 32).inputs[0]!;
    const ood = rows(fixtures.digits.oodHeldout, 0, 32).inputs[0]!;
    return { inputs: [{ ...id, shape: [64, 1, 8, 8], data: [...id.data, ...ood.data] }] };
  };
  /** The threshold `ood enable` recorded in the model's metadata_props, read as written. */
  const recorded = () => {
    const model = OnnxModel.open(enabled);
    const record = JSON.parse(model.metadataMap.get('ood.threshold')!) as { score: number };
    model.close();
    return record.score;
  };

  async function expectRecordedThresholdCounts(artifact: string) {
    const threshold = recorded();
    const own = await serve(artifact, { instances: 1 });
    try {
      const before = await metrics(own.url);
      const answer = await postJson(`${own.url}/v2/models/digits/infer`, mixed());
      expect(answer.status).toBe(200);
      // The server compares the float32 scores; the JSON numbers round back to them exactly.
      const scores = (answer.json.outputs.find((o: { name: string }) => o.name === 'ood_scores').data as number[]).map(
        Math.fround,
      );
      const expected = scores.filter((v) => v < threshold).length;
      expect(expected).toBeGreaterThan(0); // the rows test the threshold from both sides
      expect(expected).toBeLessThan(scores.length);
      const after = await metrics(own.url);
      expect(value(after, 'ood_threshold', { model: 'digits' })).toBe(threshold);
      const below = (m: Sample[]) => value(m, 'ood_out_of_distribution_rows_total', { model: 'digits' });
      expect(below(after) - below(before)).toBe(expected);
      expect(value(after, 'ood_scored_rows_total', { model: 'digits' })).toBe(64);
    } finally {
      await own.close();
    }
  }

  it("counts the rows below the threshold runtime.yaml records (ood prepare's copy of enable's)", async () => {
    await expectRecordedThresholdCounts(zip);
  });

  it("falls back to the model's ood.threshold metadata when runtime.yaml records none", async () => {
    // The artifact prepare writes, with runtime.yaml's copy of the threshold taken out again.
    const dir = join(work, 'no-runtime-threshold');
    await buildArtifact({ model: enabled, dir, name: 'digits' });
    const runtime = parse(await readFile(join(dir, 'runtime.yaml'), 'utf8'));
    expect(runtime.CERTAINTY.THRESHOLD.SCORE).toBe(recorded());
    delete runtime.CERTAINTY.THRESHOLD;
    await writeFile(join(dir, 'runtime.yaml'), stringify(runtime));
    await sealArtifact(dir);
    await expectRecordedThresholdCounts(dir);
  });
});

describe('the V2 statistics extension', () => {
  it('answers $stats_model_response with counts and nanosecond durations, as Triton defines it', async () => {
    const res = await get(`${server.url}/v2/models/digits/stats`);
    expect(res.status).toBe(200);
    const [stat] = res.json.model_stats;
    expect(stat).toMatchObject({ name: 'digits', version: server.engine.description.version });
    expect(stat.inference_count).toBeGreaterThan(stat.execution_count - 1);
    expect(stat.last_inference).toBeGreaterThan(Date.now() - 60_000);
    for (const key of ['success', 'fail', 'queue', 'compute_input', 'compute_infer', 'compute_output'])
      expect(stat.inference_stats[key]).toEqual({ count: expect.any(Number), ns: expect.any(Number) });
    expect(stat.inference_stats.success.count).toBeGreaterThan(0);
    expect(stat.inference_stats.fail.count).toBeGreaterThanOrEqual(3);
    expect(stat.batch_stats.find((b: { batch_size: number }) => b.batch_size === 64).compute_infer.count).toBe(2);
    expect((await get(`${server.url}/v2/models/stats`)).json.model_stats[0].name).toBe('digits');
    expect((await get(`${server.url}/v2/models/other/stats`)).status).toBe(404);
  });
});

describe('temporary directories', () => {
  it('swept at start when their server died, and the extracted zip removed on close', async () => {
    expect(existsSync(stale)).toBe(false);
    const mine = readdirSync(tmpdir()).filter((n) => n.startsWith(`ood-serve-${process.pid}-`));
    expect(mine.length).toBeGreaterThan(0);
    const other = await serve(zip, { instances: 1 });
    const extracted = other.engine.dir;
    expect(existsSync(extracted)).toBe(true);
    await other.close();
    expect(existsSync(extracted)).toBe(false);
  });
});
