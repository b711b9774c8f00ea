// A folder of images that also holds images ood cannot decode (GIF, WebP…) is refused with the count of each,
// rather than calibrated or evaluated on fewer samples than the user put there (10 files giving 7 rows).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { openCalibrationData } from '../../src/certainty/data/open-data.js';
import { OnnxModel } from '../../src/onnx/model.js';
import { fixtures } from '../helpers/fixtures.js';
import { tempDir } from './harness.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

function writeGreyPng(path: string, value: number): void {
  const png = new PNG({ width: 8, height: 8 });
  for (let i = 0; i < 64; i++) png.data.set([value, value, value, 255], i * 4);
  writeFileSync(path, PNG.sync.write(png));
}

describe('an image folder with images of other formats', () => {
  it('is refused, naming how many images would be used and which would be dropped', async () => {
    const dir = join(tmp.dir, 'images');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    for (let i = 0; i < 7; i++) writeGreyPng(join(dir, `img${i}.png`), i * 30);
    for (const name of ['a.gif', 'b.webp', join('sub', 'c.GIF')]) writeFileSync(join(dir, name), 'GIF89a');
    writeFileSync(join(dir, 'README.txt'), 'not an image: ignored as before');
    const model = OnnxModel.open(fixtures.digits.model);
    try {
      const err = await openCalibrationData(dir, model.info.graph.inputs).then(
        () => undefined,
        (e: unknown) => e as { code: string; message: string; hint: string },
      );
      expect(err?.code).toBe('DATA_UNSUPPORTED_IMAGES');
      expect(err?.message).toBe(
        `${dir} holds 7 PNG/JPEG images and 3 images ood cannot decode (.gif, .webp): a.gif, b.webp, sub/c.GIF`,
      );
      expect(err?.hint).toMatch(/Convert them to PNG/);
    } finally {
      model.close();
    }
  });

  it('still reads a folder whose other files are not images', async () => {
    const dir = join(tmp.dir, 'with-notes');
    mkdirSync(dir);
    for (let i = 0; i < 3; i++) writeGreyPng(join(dir, `img${i}.png`), i * 60);
    writeFileSync(join(dir, 'labels.csv'), 'a,b\n');
    const model = OnnxModel.open(fixtures.digits.model);
    try {
      const data = await openCalibrationData(dir, model.info.graph.inputs);
      expect([data.format, data.count]).toEqual(['images', 3]);
    } finally {
      model.close();
    }
  });
});
