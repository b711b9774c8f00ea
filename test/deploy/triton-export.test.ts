// `ood export triton` on real models: the config.pbtxt is parsed by protobuf's own text-format parser (protoc-
// compiled message definitions) and checked against the ONNX graph by the onnx package, both in Python.
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportTriton } from '../../src/deploy/triton/export.js';
import { DIGIT_LABELS, makeDigitsArtifact, makeTorchvisionArtifact } from '../helpers/deploy-artifacts.js';
import { fixtures } from '../helpers/fixtures.js';
import { missingTorch, runPythonCode } from '../helpers/python.js';
import { checkTritonModel, missingProtobuf } from '../helpers/triton-check.js';

const skip = missingProtobuf();
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ood-triton-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const dims = (t: unknown) => ((t as { dims: string[] }).dims ?? []).map(Number);

describe.skipIf(skip)('ood export triton', () => {
  it('writes the enabled digits artifact as a repository Triton parses, with both outputs, batching and labels', async () => {
    const { zip, model } = await makeDigitsArtifact(join(dir), { labels: DIGIT_LABELS });
    const repo = join(dir, 'repo');
    const result = await exportTriton(zip, repo, { version: 3, instances: 2, kind: 'cpu' });
    expect(result.files).toEqual(['digits/3/model.onnx', 'digits/config.pbtxt', 'digits/labels.txt']);
    expect(await readFile(join(repo, 'digits', '3', 'model.onnx'))).toEqual(await readFile(model));
    expect(await readFile(join(repo, 'digits', 'labels.txt'), 'utf8')).toBe(`${DIGIT_LABELS.join('\n')}\n`);
    const config = await checkTritonModel(join(repo, 'digits'), 3);
    expect(config.platform).toBe('onnxruntime_onnx');
    expect(config.max_batch_size).toBe(8);
    const inputs = config.input as { name: string; data_type: string }[];
    const outputs = config.output as { name: string; data_type: string; label_filename?: string }[];
    expect(inputs.map((i) => [i.name, i.data_type, dims(i)])).toEqual([['image', 'TYPE_FP32', [1, 8, 8]]]);
    expect(outputs.map((o) => [o.name, o.data_type, dims(o), o.label_filename])).toEqual([
      ['logits', 'TYPE_FP32', [8], 'labels.txt'],
      ['ood_scores', 'TYPE_FP32', [1], undefined],
    ]);
    expect(config.dynamic_batching).toEqual({ preferred_batch_size: [8], max_queue_delay_microseconds: '100' });
    expect(config.instance_group).toEqual([{ count: 2, kind: 'KIND_CPU' }]);
  });

  it('keeps external data beside model.onnx, where ONNX Runtime resolves it', async () => {
    const repo = join(dir, 'ext');
    const result = await exportTriton(fixtures.externalData.model, repo, { name: 'mlp', maxBatch: 4 });
    expect(result.files).toEqual(['mlp/1/model.onnx', 'mlp/1/weights.bin', 'mlp/config.pbtxt']);
    expect(await readFile(join(repo, 'mlp', '1', 'weights.bin'))).toEqual(
      await readFile(fixtures.externalData.weights),
    );
    const config = await checkTritonModel(join(repo, 'mlp'), 1);
    expect(config.max_batch_size).toBe(4);
  });

  it('declares a [batch] output as dims [1] reshaped to [], and INT64 as TYPE_INT64', async () => {
    const repo = join(dir, 'multi');
    await exportTriton(fixtures.multiIo, repo, { name: 'multi' });
    const config = await checkTritonModel(join(repo, 'multi'), 1);
    const label = (config.output as { name: string; reshape?: unknown; data_type: string }[]).find(
      (o) => o.name === 'label',
    );
    expect(label).toMatchObject({ data_type: 'TYPE_INT64', dims: ['1'] });
    expect(label!.reshape).toEqual({});
  });

  it('escapes strings so that the text-format parser reads back exactly the same string', async () => {
    const { quoteString } = await import('../../src/deploy/triton/text-format.js');
    const nasty = 'a"b\\c\'d\ne\tf\r\u0001\u007fg\u00e9h\u4e2d\u{1f600}';
    const r = await runPythonCode(
      'import json, sys\nfrom google.protobuf import text_format, descriptor_pb2\n' +
        'm = text_format.Parse("name: " + sys.argv[1], descriptor_pb2.FileDescriptorProto())\nprint(json.dumps(m.name))',
      [quoteString(nasty)],
    );
    expect(JSON.parse(r.stdout)).toBe(nasty);
    expect(quoteString(nasty)).toMatch(/^"[\x20-\x7e]*"$/);
  });

  it('refuses --max-batch for a model whose batch dimension is fixed, naming the tensor, and writes nothing', async () => {
    const fixed = join(dir, 'fixed.onnx');
    await runPythonCode(
      'import sys, onnx\nfrom onnx import helper as h, TensorProto as T\n' +
        'x = h.make_tensor_value_info("x", T.FLOAT, [4, 3]); y = h.make_tensor_value_info("y", T.FLOAT, [4, 3])\n' +
        'g = h.make_graph([h.make_node("Identity", ["x"], ["y"])], "g", [x], [y])\n' +
        'onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 13)], ir_version=8), sys.argv[1])',
      [fixed],
    );
    const repo = join(dir, 'refused');
    await expect(exportTriton(fixed, repo, { maxBatch: 8 })).rejects.toMatchObject({
      code: 'TRITON_NOT_BATCHABLE',
      exitCode: 3,
      message: expect.stringContaining('input "x" [4, 3]'),
    });
    expect(await readdir(repo).catch(() => [])).toEqual([]);
    const plain = await exportTriton(fixed, repo);
    expect(plain.maxBatchSize).toBe(0);
    expect(plain.notes.join('\n')).toMatch(/max_batch_size is 0/);
    const config = await checkTritonModel(join(repo, 'fixed'), 1);
    expect(config.dynamic_batching).toBeUndefined();
    expect(dims((config.input as unknown[])[0])).toEqual([4, 3]);
  });

  it('refuses labels whose count differs from the classes, and a version Triton would ignore', async () => {
    const sub = join(dir, 'badlabels');
    await rm(sub, { recursive: true, force: true });
    await (await import('node:fs/promises')).mkdir(sub);
    const { zip } = await makeDigitsArtifact(sub, { labels: ['a', 'b', 'c'], uncheckedLabels: true });
    await expect(exportTriton(zip, join(sub, 'repo'))).rejects.toMatchObject({ code: 'TRITON_LABELS_MISMATCH' });
    await expect(exportTriton(fixtures.digits.model, join(sub, 'repo'), { version: 0 })).rejects.toMatchObject({
      code: 'TRITON_BAD_VERSION',
      exitCode: 2,
    });
    await expect(stat(join(sub, 'repo', 'digits'))).rejects.toThrow();
  });

  it.skipIf(missingTorch())(
    'writes a torchvision MobileNetV2 (enabled) that parses and matches its graph',
    async () => {
      const sub = join(dir, 'tv');
      await (await import('node:fs/promises')).mkdir(sub, { recursive: true });
      const { zip } = await makeTorchvisionArtifact(sub);
      const result = await exportTriton(zip, join(sub, 'repo'), { maxBatch: 16 });
      const config = await checkTritonModel(result.modelDir, 1);
      expect(config.name).toBe('mobilenet-v2');
      expect(dims((config.input as unknown[])[0])).toEqual([3, 64, 64]);
      expect((config.output as { name: string }[]).map((o) => [o.name, dims(o)])).toEqual([
        ['logits', [1000]],
        ['ood_scores', [1]],
      ]);
    },
    300_000,
  );
});
