// Real architectures: torchvision ResNet-18 and MobileNetV2 (random weights, exported by Debian's torch 1.13),
// enabled and calibrated on a small folder of images, through onnxruntime-node and onnx.checker.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { enableModel } from '../../src/certainty/enable.js';
import { loadImageBatch, planImages } from '../../src/certainty/data/images.js';
import { exportTorchvision } from '../helpers/torchvision.js';
import { missingTorch } from '../helpers/python.js';
import {
  expectCheckerPasses,
  expectOriginalOutputsIdentical,
  expectWellFormedEnabled,
  median,
  randomFloats,
  tempDir,
} from './harness.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

const IMAGES = 8;
const imageDir = join(tmp.dir, 'images');
mkdirSync(imageDir);
const imageFiles: string[] = [];
for (let i = 0; i < IMAGES; i++) {
  const size = 48 + i * 8;
  const png = new PNG({ width: size, height: size });
  const noise = randomFloats(size * size * 3, i + 1);
  for (let p = 0; p < size * size; p++)
    png.data.set([0, 1, 2].map((c) => Math.round((noise[p * 3 + c]! + 1) * 127.5)).concat(255), p * 4);
  const file = join(imageDir, `img${i}.png`);
  writeFileSync(file, PNG.sync.write(png));
  imageFiles.push(file);
}
const imagenet = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

describe.skipIf(missingTorch())('torchvision classifiers', () => {
  it.each(['resnet18', 'mobilenet_v2'] as const)(
    '%s: calibrated on images, checker-valid, logits bit-identical, scores in [0,1]',
    async (arch) => {
      const model = await exportTorchvision(arch);
      const out = join(tmp.dir, `${arch}.onnx`);
      const result = await enableModel({ model, output: out, data: imageDir, image: imagenet, batchSize: 4 });
      expect(result.record).toMatchObject({ logits: 'logits', normalization: 'cdf', calibration: { samples: IMAGES } });
      expectWellFormedEnabled(model, out);
      await expectCheckerPasses(out, 13);
      const batch = await loadImageBatch(imageFiles, planImages('input', ['batch', 3, 224, 224], imagenet));
      const input = new ort.Tensor('float32', batch.data as Float32Array, batch.shape);
      const after = await expectOriginalOutputsIdentical(model, out, { input });
      const scores = after.ood_scores!.data as Float32Array;
      for (const s of scores) expect(s >= 0 && s <= 1).toBe(true);
      expect(Math.abs(median(scores) - 0.5)).toBeLessThan(0.01);
    },
    180_000,
  );
});
