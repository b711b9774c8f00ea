import { describe, expect, it } from 'vitest';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { buildArtifact } from '../../src/artifact/build-artifact.js';
import { schemaProblems } from '../../src/artifact/validate.js';
import { createRequestValidator } from '../../src/artifact/request-check.js';
import type { IoSchema } from '../../src/artifact/spec.js';
import type { NamedTensor } from '../../src/tensor/tensor.js';
import { execa } from 'execa';
import type { PrepareResult } from '../../src/cli/render-prepare.js';
import { fixtures, repoRoot } from '../helpers/fixtures.js';
import { readZip, readZipFiles } from './zip-reader.js';
import {
  inputsFor,
  isolatedCopy,
  manifestProblems,
  predictBothWays,
  sha256,
  tempDir,
  unpack,
} from './artifact-helpers.js';

interface Case {
  label: string;
  model: string;
  extra?: string[];
  inputs: string[];
  outputs: string[];
  files: string[];
}

const BASE = [
  'input_schema.json',
  'manifest.json',
  'model.onnx',
  'output_schema.json',
  'runtime.yaml',
  'score.mjs',
  'start_server.sh',
];
const cases: Case[] = [
  {
    label: 'the example digits CNN',
    model: fixtures.digits.model,
    inputs: ['image'],
    outputs: ['logits'],
    files: BASE,
  },
  {
    label: 'a model with several inputs and outputs',
    model: fixtures.multiIo,
    inputs: ['a', 'b'],
    outputs: ['logits', 'label'],
    files: BASE,
  },
  {
    label: 'a model with dynamic dims',
    model: fixtures.dynamicDims,
    inputs: ['x'],
    outputs: ['features', 'pooled'],
    files: BASE,
  },
  {
    label: 'a model with external data',
    model: fixtures.externalData.model,
    extra: [fixtures.externalData.weights],
    inputs: ['x'],
    outputs: ['logits'],
    files: [...BASE, 'weights.bin'].sort(),
  },
];

describe.each(cases)('prepare on $label', (c) => {
  it('writes a zip that another zip reader opens, with every file the format requires and a truthful manifest', async () => {
    const out = join(await tempDir(), 'artifact.zip');
    const result = await buildArtifact({ model: c.model, output: out });
    const entries = await readZip(out);
    expect(entries.map((e) => e.name)).toEqual(c.files);
    const files = new Map(entries.map((e) => [e.name, e.data]));
    expect(manifestProblems(files)).toEqual([]);
    expect(files.get('model.onnx')!.equals(await readFile(c.model))).toBe(true);
    for (const extra of c.extra ?? []) expect(files.get('weights.bin')!.equals(await readFile(extra))).toBe(true);
    expect(result.model.sha256).toBe(sha256(await readFile(c.model)));
    expect(result.files.map((f) => f.path)).toEqual(c.files.filter((f) => f !== 'manifest.json'));
  });

  it('records the graph signature in the schemas and a runtime.yaml that passes its schema', async () => {
    const out = join(await tempDir(), 'artifact.zip');
    await buildArtifact({ model: c.model, output: out });
    const files = await readZipFiles(out);
    const input = JSON.parse(files.get('input_schema.json')!.toString()) as IoSchema;
    const output = JSON.parse(files.get('output_schema.json')!.toString()) as IoSchema;
    expect(input.tensors.map((t) => t.name)).toEqual(c.inputs);
    expect(output.tensors.map((t) => t.name)).toEqual(c.outputs);
    expect(input.tensors.map((t) => t.order)).toEqual(c.inputs.map((_, i) => i));
    expect(schemaProblems('io-schema', input)).toEqual([]);
    expect(schemaProblems('io-schema', output)).toEqual([]);
    expect(schemaProblems('manifest', JSON.parse(files.get('manifest.json')!.toString()))).toEqual([]);
    const runtime = parse(files.get('runtime.yaml')!.toString());
    expect(schemaProblems('runtime', runtime)).toEqual([]);
    expect(runtime.MODEL_DETAILS.SHA256).toBe(sha256(files.get('model.onnx')!));
    expect(runtime.MODEL_DETAILS.EXTERNAL_DATA).toEqual(c.extra ? ['weights.bin'] : []);
  });

  it("serves predictions through the artifact's score.mjs that equal a direct onnxruntime run", async () => {
    const out = join(await tempDir(), 'artifact.zip');
    await buildArtifact({ model: c.model, output: out });
    const files = await readZipFiles(out);
    const dir = await unpack(files);
    const inputs = inputsFor(JSON.parse(files.get('input_schema.json')!.toString()) as IoSchema, 3);
    const { viaScore, direct } = await predictBothWays(dir, c.model, inputs);
    expect(viaScore.outputs.map((o) => o.name)).toEqual(c.outputs);
    for (const o of viaScore.outputs) {
      expect(o.shape).toEqual(direct[o.name]!.dims.map(Number));
      expect(Array.from(o.data as ArrayLike<number>)).toEqual(Array.from(direct[o.name]!.data as ArrayLike<number>));
    }
  });
});

describe('prepare with a sample', () => {
  it('stores the sample, adds per-input statistics, and the sample passes the request validator', async () => {
    const out = join(await tempDir(), 'digits.zip');
    await buildArtifact({
      model: fixtures.digits.model,
      output: out,
      sample: fixtures.digits.sample,
    });
    const files = await readZipFiles(out);
    const sampleText = await readFile(fixtures.digits.sample);
    expect(files.get('sample.json')!.equals(sampleText)).toBe(true);
    const input = JSON.parse(files.get('input_schema.json')!.toString()) as IoSchema;
    const sample = JSON.parse(sampleText.toString()) as { inputs: { data: number[] }[] };
    const data = sample.inputs[0]!.data.flat(Infinity as 1) as number[];
    const mean = data.reduce((a, b) => a + b, 0) / data.length;
    expect(input.tensors[0]!.statistics).toEqual({
      count: data.length,
      min: Math.min(...data),
      max: Math.max(...data),
      mean,
      std: expect.closeTo(Math.sqrt(data.reduce((a, b) => a + (b - mean) ** 2, 0) / data.length), 12),
    });
    expect(createRequestValidator(input)(JSON.parse(sampleText.toString()))).toEqual([]);
  });

  it('predicts the labels of the example sample through score.mjs', async () => {
    const out = join(await tempDir(), 'digits.zip');
    await buildArtifact({
      model: fixtures.digits.model,
      output: out,
      sample: fixtures.digits.sample,
    });
    const files = await readZipFiles(out);
    const dir = await unpack(files);
    const req = JSON.parse(files.get('sample.json')!.toString()) as {
      inputs: { name: string; datatype: string; shape: number[]; data: number[] }[];
    };
    const inputs: NamedTensor[] = req.inputs.map((t) => ({
      ...t,
      data: Float32Array.from(t.data.flat(Infinity as 1) as number[]),
    }));
    const { viaScore } = await predictBothWays(dir, fixtures.digits.model, inputs);
    const logits = viaScore.outputs[0]!;
    const classes = logits.shape[1]!;
    const labels = Array.from({ length: logits.shape[0]! }, (_, r) => {
      const row = Array.from(logits.data as Float32Array).slice(r * classes, (r + 1) * classes);
      return row.indexOf(Math.max(...row));
    });
    expect(labels).toEqual([...fixtures.digits.sampleLabels]);
  });

  it('writes the same files to --dir as to the zip', async () => {
    const root = await tempDir();
    const model = await isolatedCopy(fixtures.digits.model);
    const env = { SOURCE_DATE_EPOCH: '1700000000' };
    await buildArtifact({ model, output: join(root, 'a.zip'), sample: fixtures.digits.sample, env });
    await buildArtifact({ model, dir: join(root, 'a'), sample: fixtures.digits.sample, env });
    const zipped = await readZipFiles(join(root, 'a.zip'));
    const listed = (await readdir(join(root, 'a'))).sort();
    expect(listed).toEqual([...zipped.keys()].sort());
    for (const name of listed) expect((await readFile(join(root, 'a', name))).equals(zipped.get(name)!)).toBe(true);
  });
});

describe('introspection after prepare', () => {
  // The command composes build and introspection (buildArtifact only builds), so this runs `ood prepare` itself.
  it('runs ood introspect on the new artifact and reports that every check passed for the example', async () => {
    const out = join(await tempDir(), 'digits.zip');
    const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
    const args = ['prepare', fixtures.digits.model, '-o', out, '--sample', fixtures.digits.sample, '--json'];
    const r = await execa('node', [cli, ...args], { reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as PrepareResult;
    expect(result.introspection.status).toBe('ran');
    if (result.introspection.status !== 'ran') return;
    expect(result.introspection.summary.failed).toBe(0);
    expect(result.introspection.ok).toBe(true);
    expect(result.introspection.report.checks.find((c) => c.key === 'score.exports')?.result).toBe('PASSED');
  });
});

describe('prepare on a certainty-enabled model', () => {
  it('records the certainty settings from the model metadata in runtime.yaml and exposes ood_scores as an output', async () => {
    const { enableModel } = await import('../../src/certainty/enable.js');
    const root = await tempDir();
    const enabled = join(root, 'enabled.onnx');
    await enableModel({ model: fixtures.digits.model, output: enabled, data: fixtures.digits.calibration });
    const out = join(root, 'a.zip');
    const result = await buildArtifact({
      model: enabled,
      output: out,
      sample: fixtures.digits.sample,
    });
    expect(result.certainty_enabled).toBe(true);
    const files = await readZipFiles(out);
    const runtime = parse(files.get('runtime.yaml')!.toString());
    expect(runtime.CERTAINTY).toMatchObject({
      ENABLED: true,
      METHOD: expect.any(String),
      OUTPUT: 'ood_scores',
      NORMALIZATION: 'cdf',
      CALIBRATION_SAMPLES: 289,
    });
    const output = JSON.parse(files.get('output_schema.json')!.toString()) as IoSchema;
    expect(output.tensors.map((t) => t.name)).toContain('ood_scores');
    const dir = await unpack(files);
    const { viaScore, direct } = await predictBothWays(
      dir,
      enabled,
      inputsFor(JSON.parse(files.get('input_schema.json')!.toString()) as IoSchema, 2),
    );
    const scores = viaScore.outputs.find((o) => o.name === 'ood_scores')!;
    expect(Array.from(scores.data as Float32Array)).toEqual(Array.from(direct.ood_scores!.data as Float32Array));
  });
});

describe('runtime.yaml schema', () => {
  it('rejects unknown keys and a CERTAINTY block that claims enabled without its settings', () => {
    const base = {
      MODEL_ARTIFACT_VERSION: '1.0',
      MODEL_DEPLOYMENT: {
        INFERENCE_RUNTIME: {
          NODE_VERSION: '>=20',
          ONNXRUNTIME_NODE_VERSION: '1.30.0',
          ENTRYPOINT: 'score.mjs',
          EXECUTION_PROVIDER: 'cpu',
        },
      },
      MODEL_PROVENANCE: {
        OOD_VERSION: '0.1.0',
        CREATED_AT: '2024-01-01T00:00:00.000Z',
        TRAINING_CODE: { GIT_REMOTE: null, GIT_COMMIT: null, GIT_BRANCH: null, GIT_DIRTY: null, TRAINING_SCRIPT: null },
      },
      MODEL_DETAILS: {
        NAME: 'm',
        VERSION: '1',
        FILE: 'model.onnx',
        SHA256: 'a'.repeat(64),
        SIZE: 1,
        IR_VERSION: 7,
        OPSET: { 'ai.onnx': 13 },
        PRODUCER_NAME: '',
        PRODUCER_VERSION: '',
        EXTERNAL_DATA: [],
      },
      CERTAINTY: { ENABLED: false },
    };
    expect(schemaProblems('runtime', base)).toEqual([]);
    expect(schemaProblems('runtime', { ...base, INFERENCE_ENV_PATH: 'oci://x' })).toEqual([
      '/ must NOT have additional properties',
    ]);
    expect(schemaProblems('runtime', { ...base, CERTAINTY: { ENABLED: true } }).join('\n')).toMatch(
      /must have required property 'METHOD'/,
    );
  });
});

describe('external data in a subdirectory', () => {
  it('keeps the relative path, so the unpacked model still finds its weights', async () => {
    const { mkdir, copyFile, writeFile: write } = await import('node:fs/promises');
    const root = await tempDir('ood-extsub-');
    const bytes = await readFile(fixtures.externalData.model);
    // Same length as "weights.bin", so the protobuf stays valid.
    await write(
      join(root, 'model.onnx'),
      Buffer.from(bytes.toString('latin1').split('weights.bin').join('data/ws.bin'), 'latin1'),
    );
    await mkdir(join(root, 'data'));
    await copyFile(fixtures.externalData.weights, join(root, 'data', 'ws.bin'));
    for (const target of [{ output: join(root, 'a.zip') }, { dir: join(root, 'a') }]) {
      const result = await buildArtifact({ model: join(root, 'model.onnx'), ...target });
      expect(result.files.map((f) => f.path)).toContain('data/ws.bin');
    }
    const files = await readZipFiles(join(root, 'a.zip'));
    expect(parse(files.get('runtime.yaml')!.toString()).MODEL_DETAILS.EXTERNAL_DATA).toEqual(['data/ws.bin']);
    const dir = await unpack(files);
    const inputs = inputsFor(JSON.parse(files.get('input_schema.json')!.toString()) as IoSchema, 2);
    const { viaScore, direct } = await predictBothWays(dir, join(root, 'model.onnx'), inputs);
    expect(Array.from(viaScore.outputs[0]!.data as Float32Array)).toEqual(
      Array.from(direct.logits!.data as Float32Array),
    );
    const fromDir = await predictBothWays(join(root, 'a'), join(root, 'model.onnx'), inputs);
    expect(Array.from(fromDir.viaScore.outputs[0]!.data as Float32Array)).toEqual(
      Array.from(direct.logits!.data as Float32Array),
    );
  });
});
