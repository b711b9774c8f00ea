// DRUM's routes as DRUM's own clients call them: curl with multipart `X=@data.csv`, raw CSV with and without a
// content type, Matrix Market, URL_PREFIX, and the 513 of a model that failed to load, against the digits
// example enabled and prepared with its labels. Answers are compared with a direct onnxruntime run, and bodies
// are validated against schemas restated from drum_server_api.yaml (./drum-api-schema.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { Ajv } from 'ajv';
import { extractArchive } from '../../src/artifact/archive-extract.js';
import { runDirect } from '../../src/verify/direct-run.js';
import { decodeJsonTensor } from '../../src/tensor/json-codec.js';
import { DIGIT_LABELS, makeDigitsArtifact } from '../helpers/deploy-artifacts.js';
import { fixtures, repoRoot } from '../helpers/fixtures.js';
import { serve, servedUrl, type TestServer } from './helpers/server.js';
import { sealArtifact } from './helpers/artifact.js';
import {
  capabilitiesSchema,
  errorSchema,
  infoSchema,
  okSchema,
  predictSchema,
  statsSchema,
} from './drum-api-schema.js';

const ajv = new Ajv({ allErrors: true });
const conforms = (schema: object, body: unknown) => {
  const check = ajv.compile(schema);
  expect(check(body), JSON.stringify(check.errors)).toBe(true);
};

let dir: string;
let zip: string;
let server: TestServer;
let csv: string;
let probabilities: number[][];
let scores: number[];
const sample = JSON.parse(await readFile(fixtures.digits.sample, 'utf8'));
const pixels = sample.inputs[0].data as number[];
const header = Array.from({ length: 64 }, (_, i) => `image_${i}`);
const rowsOf = (cols: number[]) => [0, 1, 2, 3].map((r) => cols.map((c) => pixels[r * 64 + c]));
const toCsv = (head: string[] | null, rows: unknown[][]) =>
  [...(head ? [head] : []), ...rows].map((r) => r.join(',')).join('\n') + '\n';

/** curl, as a DRUM client would run it; returns the status and the parsed body. */
async function curl(args: string[]): Promise<{ status: number; body: any }> {
  const r = await execa('curl', ['-sS', '-w', '\n%{http_code}', ...args]);
  const lines = r.stdout.split('\n');
  const status = Number(lines.pop());
  return { status, body: JSON.parse(lines.join('\n')) };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ood-drum-'));
  const built = await makeDigitsArtifact(dir, { labels: DIGIT_LABELS });
  zip = built.zip;
  server = await serve(zip);
  csv = join(dir, 'data.csv');
  await writeFile(csv, toCsv(header, rowsOf(header.map((_, i) => i))));
  const input = sample.inputs[0];
  const outputs = await runDirect(built.model, [decodeJsonTensor(input.name, input.datatype, input.shape, input.data)]);
  const logits = Array.from(outputs.find((t) => t.name === 'logits')!.data as Float32Array);
  scores = Array.from(outputs.find((t) => t.name === 'ood_scores')!.data as Float32Array);
  probabilities = [0, 1, 2, 3].map((r) => {
    const row = logits.slice(r * 8, (r + 1) * 8);
    const max = Math.max(...row);
    const e = row.map((v) => Math.exp(v - max));
    return e.map((v) => v / e.reduce((a, b) => a + b, 0));
  });
}, 120_000);
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

/** The answer every format of the same four digits must give. */
function expectDigits(body: any) {
  conforms(predictSchema, body);
  expect(body.predictions).toHaveLength(4);
  body.predictions.forEach((row: Record<string, number>, r: number) => {
    expect(Object.keys(row)).toEqual(DIGIT_LABELS);
    DIGIT_LABELS.forEach((label, c) => expect(row[label]).toBeCloseTo(probabilities[r]![c]!, 6));
    expect(Object.values(row).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
  });
  const best = body.predictions.map(
    (row: Record<string, number>) => Object.entries(row).reduce((a, b) => (b[1] > a[1] ? b : a))[0],
  );
  expect(best).toEqual(fixtures.digits.sampleLabels.map((d) => DIGIT_LABELS[d]));
  expect(body.extraModelOutput.columns).toEqual(['ood_scores']);
  expect(body.extraModelOutput.index).toEqual([0, 1, 2, 3]);
  expect(body.extraModelOutput.data.map((r: number[]) => Math.fround(r[0]!))).toEqual(scores);
}

describe('DRUM /predict/ as DRUM clients call it', () => {
  it('answers curl -F X=@data.csv with per-label probabilities and ood_scores under extraModelOutput', async () => {
    const r = await curl(['-F', `X=@${csv}`, `${server.url}/predict/`]);
    expect(r.status).toBe(200);
    expectDigits(r.body);
  });

  it('serves the same answer on /predictions/ and /invocations', async () => {
    for (const path of ['/predictions/', '/invocations']) {
      const r = await curl(['-F', `X=@${csv}`, `${server.url}${path}`]);
      expect(r.status, path).toBe(200);
      expectDigits(r.body);
    }
  });

  it('reads a raw CSV body as CSV whatever its content type, and without one', async () => {
    for (const type of ['text/csv', 'text/plain', 'application/octet-stream', '']) {
      const r = await curl([
        '-H',
        `Content-Type:${type ? ` ${type}` : ''}`,
        '--data-binary',
        `@${csv}`,
        `${server.url}/predict/`,
      ]);
      expect(r.status, type).toBe(200);
      expectDigits(r.body);
    }
  });

  it('reads columns by header name in any order, ignoring others; headerless and pandas-numbered CSV by position', async () => {
    const shuffled = header.map((_, i) => (i * 37) % 64);
    const bodies = [
      toCsv(
        ['row_id', ...shuffled.map((i) => header[i]!)],
        rowsOf(shuffled).map((r, i) => [i, ...r]),
      ),
      toCsv(null, rowsOf(header.map((_, i) => i))),
      toCsv(
        header.map((_, i) => String(i)),
        rowsOf(header.map((_, i) => i)),
      ),
    ];
    for (const [k, text] of bodies.entries()) {
      const file = join(dir, `variant-${k}.csv`);
      await writeFile(file, text);
      const r = await curl(['-F', `X=@${file}`, `${server.url}/predict/`]);
      expect(r.status, `variant ${k}`).toBe(200);
      expectDigits(r.body);
    }
  });

  it('reads a Matrix Market file (.mtx) sent as X', async () => {
    const entries = rowsOf(header.map((_, i) => i)).flatMap((row, r) =>
      row.flatMap((v, c) => (v === 0 ? [] : [`${r + 1} ${c + 1} ${v}`])),
    );
    const mtx = join(dir, 'data.mtx');
    await writeFile(
      mtx,
      `%%MatrixMarket matrix coordinate real general\n4 64 ${entries.length}\n${entries.join('\n')}\n`,
    );
    const r = await curl(['-F', `X=@${mtx}`, `${server.url}/predict/`]);
    expect(r.status).toBe(200);
    expectDigits(r.body);
  });

  it('keeps answering KServe V2 JSON on /predict/, with or without a JSON content type', async () => {
    const file = join(dir, 'v2.json');
    await writeFile(file, JSON.stringify(sample));
    for (const type of ['application/json', '']) {
      const r = await curl([
        '-H',
        `Content-Type:${type ? ` ${type}` : ''}`,
        '--data-binary',
        `@${file}`,
        `${server.url}/predict/`,
      ]);
      expect(r.status, type).toBe(200);
      expect(r.body.outputs.map((o: { name: string }) => o.name)).toEqual(['logits', 'ood_scores']);
    }
  });

  it('answers the unstructured routes with 422 naming the target type, as DRUM does for a structured model', async () => {
    for (const path of ['/predictUnstructured/', '/predictionsUnstructured/']) {
      const r = await curl(['--data-binary', `@${csv}`, `${server.url}${path}`]);
      expect(r.status, path).toBe(422);
      expect(r.body.message).toBe(
        'ERROR: This model has target type multiclass, use either /predict/ or /predictions/ endpoint.',
      );
    }
  });

  it('answers 422 {"message": ...} for a form without X and for rows of the wrong width', async () => {
    const noX = await curl(['-F', `Y=@${csv}`, `${server.url}/predict/`]);
    expect(noX.status).toBe(422);
    conforms(errorSchema, noX.body);
    expect(noX.body.message).toMatch(/^ERROR: Samples should be provided as/);
    const narrow = join(dir, 'narrow.csv');
    await writeFile(narrow, 'a,b\n1,2\n');
    const bad = await curl(['-F', `X=@${narrow}`, `${server.url}/predict/`]);
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({
      code: 'CSV_BAD_ROW',
      message: expect.stringMatching(/^ERROR: the CSV rows have 2 columns/),
    });
  });
});

describe('DRUM GET routes', () => {
  it('answer / and /ping/ and /health/ with {"message": "OK"}', async () => {
    for (const path of ['/', '/ping/', '/ping', '/health/']) {
      const r = await curl([`${server.url}${path}`]);
      expect(r.status, path).toBe(200);
      conforms(okSchema, r.body);
    }
  });

  it('describe the model on /info/, /stats/ and /capabilities/ in the shapes of drum_server_api.yaml', async () => {
    const info = await curl([`${server.url}/info/`]);
    conforms(infoSchema, info.body);
    expect(info.body).toMatchObject({
      drumServer: 'ood',
      predictor: 'onnxruntime-node',
      targetType: 'multiclass',
      modelMetadata: {
        name: 'digits',
        type: 'inference',
        targetType: 'multiclass',
        inferenceModel: { classLabels: DIGIT_LABELS },
      },
      labels: DIGIT_LABELS,
    });
    await curl(['-F', `X=@${csv}`, `${server.url}/predict/`]);
    const stats = await curl([`${server.url}/stats/`]);
    conforms(statsSchema, stats.body);
    expect(stats.body.drum_info[0].pid).toBe(process.pid);
    expect(stats.body.time_info.run_predictor_total.max).toBeGreaterThan(0);
    // DRUM's stats collector starts over after each read.
    expect((await curl([`${server.url}/stats/`])).body.time_info.run_predictor_total.max).toBeNull();
    const capabilities = await curl([`${server.url}/capabilities/`]);
    conforms(capabilitiesSchema, capabilities.body);
    expect(capabilities.body).toMatchObject({
      supported_payload_formats: { csv: null, mtx: null },
      supported_methods: { chat: false },
    });
  });
});

describe('URL_PREFIX', () => {
  it('mounts every DRUM route under the prefix and nowhere else', async () => {
    const prefixed = await serve(zip, { urlPrefix: 'deployments/digits/' });
    try {
      const r = await curl(['-F', `X=@${csv}`, `${prefixed.url}/deployments/digits/predict/`]);
      expect(r.status).toBe(200);
      expectDigits(r.body);
      for (const path of ['/deployments/digits/', '/deployments/digits/ping/', '/deployments/digits/health/'])
        expect((await curl([`${prefixed.url}${path}`])).status, path).toBe(200);
      expect((await curl(['-F', `X=@${csv}`, `${prefixed.url}/predict/`])).status).toBe(404);
      expect((await curl([`${prefixed.url}/deployments/digits/capabilities/`])).body.url_prefix).toBe(
        '/deployments/digits',
      );
    } finally {
      await prefixed.close();
    }
  });

  it('refuses a prefix that is not a URL path before it listens', async () => {
    await expect(serve(zip, { urlPrefix: '/a b' })).rejects.toMatchObject({
      code: 'DRUM_URL_PREFIX_INVALID',
      exitCode: 2,
    });
  });
});

describe('a model that fails to load', () => {
  it('answers 513 {"message": ...} on /, /ping/, /health/ and every predict route, as DRUM\'s error server', async () => {
    const broken = join(dir, 'broken');
    await mkdir(broken);
    await extractArchive(zip, broken);
    await copyFile(join(repoRoot, 'test/fixtures/models/truncated.onnx'), join(broken, 'model.onnx'));
    await sealArtifact(broken); // the damage must reach the model load, past the admission gate's digest check
    const failed = await serve(broken);
    try {
      expect(failed.service.model.state).toBe('failed');
      for (const path of ['/', '/ping/', '/health/'])
        expect((await curl([`${failed.url}${path}`])).status, path).toBe(513);
      for (const path of ['/predict/', '/predictions/', '/invocations', '/predictUnstructured/']) {
        const r = await curl(['-F', `X=@${csv}`, `${failed.url}${path}`]);
        expect(r.status, path).toBe(513);
        conforms(errorSchema, r.body);
        expect(r.body.message).toMatch(/^ERROR: the model failed to load/);
      }
    } finally {
      await failed.close();
    }
  });
});

describe('start_server.sh (DRUM custom environments)', () => {
  it('starts ood serve on the artifact beside it, answers DRUM clients, and exits 0 on SIGTERM', async () => {
    // DRUM's layout: the model's files and start_server.sh together in one directory (/opt/code). prepare ships
    // the script in the artifact, executable, so unzipping the artifact there is all a custom environment needs.
    const code = join(dir, 'opt-code');
    await mkdir(code);
    await extractArchive(zip, code);
    const mode = await execa('python3', [
      '-c',
      'import sys, zipfile; print(oct(zipfile.ZipFile(sys.argv[1]).getinfo("start_server.sh").external_attr >> 16 & 0o777))',
      zip,
    ]);
    expect(mode.stdout).toBe('0o755');
    expect(await readFile(join(code, 'start_server.sh'), 'utf8')).toBe(
      await readFile(join(repoRoot, 'templates/start_server.sh'), 'utf8'),
    );
    const child = execa('sh', [join(code, 'start_server.sh'), '--instances', '1'], {
      env: { OOD_CLI: join(repoRoot, 'dist/src/cli/main.js'), PORT: '0', OOD_HOST: '127.0.0.1' },
      reject: false,
    });
    try {
      const url = await servedUrl(child, { ready: true });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const r = await curl(['-F', `X=@${csv}`, `${url}/predict/`]);
      expect(r.status).toBe(200);
      expectDigits(r.body);
      expect((await curl([`${url}/info/`])).body.codeDir).toBe(code);
    } finally {
      child.kill('SIGTERM');
    }
    const done = await child;
    expect(done.exitCode).toBe(0);
    expect(done.stdout).toMatch(/stopped/);
  }, 60_000);
});
