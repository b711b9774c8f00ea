// The preprocessing the score was calibrated on is recorded (ood.preprocessing, runtime.yaml, input_schema.json)
// so a client can reproduce it; and both resize paths, torchvision's evaluation transform (Resize(shorter side) +
// CenterCrop) and the default stretch to the input size, antialias when downscaling as Pillow does (torchvision
// resizes PIL images with it), to within one 8-bit level.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';
import { enableModel } from '../../src/certainty/enable.js';
import { buildArtifact } from '../../src/artifact/build-artifact.js';
import { centerCrop } from '../../src/certainty/data/image-resize.js';
import { loadImageBatch, planImages } from '../../src/certainty/data/images.js';
import { fixtures, repoRoot } from '../helpers/fixtures.js';
import { SYSTEM_PYTHON } from '../helpers/python.js';
import { tempDir, writeNoisePng, writeNoisePngFolder } from './harness.js';

const tmp = tempDir('ood-preprocessing-');

describe('preprocessing', () => {
  it('is recorded for an image folder in the metadata, runtime.yaml and the input schema', async () => {
    const images = writeNoisePngFolder(join(tmp.dir, 'images'), 24, 20, 14);
    const out = join(tmp.dir, 'enabled.onnx');
    const result = await enableModel({
      model: fixtures.digits.model,
      output: out,
      data: images,
      image: { mean: [0.5], std: [0.25], resize: 'center-crop', resizeShorterTo: 10 },
    });
    expect(result.preprocessing).toEqual({
      source: 'images',
      input: 'image',
      layout: 'nchw',
      channels: 1,
      height: 8,
      width: 8,
      resize: 'center-crop',
      resizeShorterTo: 10,
      antialias: true,
      scale: 'RGB (or luma for 1 channel) / 255, then (x - mean) / std per channel',
      mean: [0.5],
      std: [0.25],
    });
    const dir = join(tmp.dir, 'artifact');
    await buildArtifact({ model: out, dir, repo: repoRoot, introspect: false });
    const runtime = parse(readFileSync(join(dir, 'runtime.yaml'), 'utf8')) as { CERTAINTY: Record<string, unknown> };
    expect(runtime.CERTAINTY.PREPROCESSING).toEqual(result.preprocessing);
    expect(runtime.CERTAINTY.THRESHOLD).toEqual({ ID_REJECTION: 0.05, SCORE: result.threshold!.score });
    const schema = JSON.parse(readFileSync(join(dir, 'input_schema.json'), 'utf8')) as {
      tensors: { description?: string }[];
    };
    expect(schema.tensors[0]!.description).toBe(
      'Calibrated on images: shorter side resized to 10 (antialiased), centre crop 8x8, luma / 255, mean 0.5, std 0.25, nchw.',
    );
  });

  it("Resize(shorter) + CenterCrop equals torchvision's (Pillow's antialiased bilinear) within one level", async () => {
    const path = join(tmp.dir, 'big.png');
    const rgba = writeNoisePng(path, 37, 23, 99);
    const ours = centerCrop({ width: 37, height: 23, data: Uint8Array.from(rgba) }, 16, 12, 12);
    const script = `
import sys, json
from PIL import Image
from torchvision import transforms
img = Image.open(sys.argv[1]).convert('RGB')
out = transforms.CenterCrop(12)(transforms.Resize(16)(img))
print(json.dumps(list(out.tobytes())))`;
    const r = await execa(SYSTEM_PYTHON, ['-c', script, path]);
    const theirs = JSON.parse(r.stdout) as number[];
    let worst = 0;
    for (let p = 0; p < 144; p++)
      for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(ours.data[p * 4 + c]! - theirs[p * 3 + c]!));
    expect(worst).toBeLessThanOrEqual(1);
  });

  // Pillow resamples 8-bit images in two passes, horizontal then vertical, and rounds the intermediate image to
  // 8 bits; ours keeps it in float64. The second pass's weights sum to 1, so that rounding moves each output by
  // at most 0.5 before the final rounding: the two may differ by one level, never more (measured: 1 in each case;
  // the 1e-4 covers float32's pixel / 255). Without antialiasing (plain bilinear from the 2 × 2 nearest source
  // pixels) this noise differs by 93 to 104 levels.
  it.each([
    { case: 'both axes shrink by non-integer factors', from: [37, 23], to: [13, 9] },
    { case: 'a large factor, to the digits input size', from: [64, 48], to: [8, 8] },
    { case: 'one axis shrinks while the other grows', from: [37, 23], to: [12, 30] },
  ])(
    "the stretch to the input size, when $case, equals torchvision's Resize((h, w)) on Pillow within one level",
    async ({ from, to }) => {
      const [fromW, fromH] = from as [number, number];
      const [w, h] = to as [number, number];
      const path = join(tmp.dir, `stretch-${fromW}x${fromH}-${w}x${h}.png`);
      writeNoisePng(path, fromW, fromH, 7);
      // Through the image loader as enable runs it: the default resize, [0, 1] pixels (mean 0, std 1), NCHW.
      const batch = await loadImageBatch([path], planImages('image', ['batch', 3, h, w], {}));
      const ours = batch.data as Float32Array;
      const script = `
import sys, json
from PIL import Image
from torchvision import transforms
img = Image.open(sys.argv[1]).convert('RGB')
out = transforms.Resize((int(sys.argv[2]), int(sys.argv[3])))(img)
print(json.dumps(list(out.tobytes())))`;
      const r = await execa(SYSTEM_PYTHON, ['-c', script, path, String(h), String(w)]);
      const theirs = JSON.parse(r.stdout) as number[];
      expect(theirs).toHaveLength(h * w * 3);
      let worst = 0;
      for (let p = 0; p < h * w; p++)
        for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(ours[c * h * w + p]! * 255 - theirs[p * 3 + c]!));
      expect(worst).toBeLessThanOrEqual(1 + 1e-4);
    },
  );
});
