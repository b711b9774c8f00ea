// The --data readers: .npy files as NumPy writes them, PNG/JPEG preprocessing, and folder handling.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { afterAll, describe, expect, it } from 'vitest';
import { NpyFile } from '../../src/certainty/data/npy.js';
import { loadImageBatch, planImages } from '../../src/certainty/data/images.js';
import { openCalibrationData } from '../../src/certainty/data/open-data.js';
import { OodError } from '../../src/errors.js';
import { OnnxModel } from '../../src/onnx/model.js';
import { fixtures } from '../helpers/fixtures.js';
import { missingPython, runPythonCode } from '../helpers/python.js';
import { tempDir } from './harness.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

function writePng(
  path: string,
  width: number,
  height: number,
  pixel: (x: number, y: number) => [number, number, number],
): void {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      png.data.set([r, g, b, 255], (y * width + x) * 4);
    }
  writeFileSync(path, PNG.sync.write(png));
}

describe('the .npy reader', () => {
  it.skipIf(missingPython('numpy'))(
    'reads every numeric dtype numpy writes, in format 1.0 and 2.0, little- and big-endian',
    async () => {
      const dir = join(tmp.dir, 'npy');
      mkdirSync(dir);
      await runPythonCode(
        `import numpy as np, sys
d = sys.argv[1]
a = np.arange(24).reshape(2, 3, 4)
for t in ['<f4', '<f8', '<f2', '<i8', '<i4', '<i2', '|i1', '|u1', '<u2', '<u4', '<u8', '>f4', '>i8']:
    np.save(f"{d}/{t.replace('<', 'le_').replace('>', 'be_').replace('|', '')}.npy", a.astype(t))
np.save(f"{d}/bool.npy", (a % 2).astype(bool))
np.lib.format.write_array(open(f"{d}/v2.npy", 'wb'), a.astype('<f4'), version=(2, 0))
np.save(f"{d}/fortran.npy", np.asfortranarray(a.astype('<f4')))`,
        [dir],
      );
      const expected = Array.from({ length: 24 }, (_, i) => i);
      for (const name of ['le_f4', 'le_f8', 'le_i4', 'le_i2', 'i1', 'u1', 'le_u2', 'le_u4', 'be_f4', 'v2']) {
        const f = new NpyFile(join(dir, `${name}.npy`));
        expect(f.header.shape).toEqual([2, 3, 4]);
        const t = f.readRows(0, 2);
        expect(Array.from(t.data as Float32Array, Number), name).toEqual(expected);
        expect(Array.from(f.readRows(1, 2).data as Float32Array, Number), name).toEqual(expected.slice(12));
        f.close();
      }
      for (const name of ['le_i8', 'le_u8', 'be_i8']) {
        const f = new NpyFile(join(dir, `${name}.npy`));
        expect(Array.from(f.readRows(0, 2).data as BigInt64Array, Number), name).toEqual(expected);
        f.close();
      }
      const half = new NpyFile(join(dir, 'le_f2.npy'));
      expect(half.header.type).toBe('float16');
      expect((half.readRows(0, 1).data as Uint16Array)[1]).toBe(0x3c00); // 1.0 in binary16
      half.close();
      const bools = new NpyFile(join(dir, 'bool.npy'));
      expect(Array.from(bools.readRows(0, 1).data as Uint8Array).slice(0, 4)).toEqual([0, 1, 0, 1]);
      bools.close();
      const fortran = (() => {
        try {
          return new NpyFile(join(dir, 'fortran.npy'));
        } catch (e) {
          return e;
        }
      })() as OodError;
      expect(fortran).toBeInstanceOf(OodError);
      expect(fortran.message).toContain('Fortran (column-major) order');
      expect(fortran.hint).toContain('ascontiguousarray');
    },
  );

  it('converts float64 arrays to the float32 a model takes', async () => {
    const path = join(tmp.dir, 'f8.npy');
    const header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 6), }";
    const pad = ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
    const head = Buffer.alloc(10);
    head.write('\x93NUMPY', 0, 'latin1');
    head[6] = 1;
    head.writeUInt16LE(header.length + pad.length, 8);
    writeFileSync(
      path,
      Buffer.concat([
        head,
        Buffer.from(header + pad, 'latin1'),
        Buffer.from(new Float64Array([0.1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]).buffer),
      ]),
    );
    const model = OnnxModel.open(fixtures.mlp(13));
    const data = await openCalibrationData(path, model.info.graph.inputs);
    model.close();
    const chunks = [];
    for await (const c of data.chunks()) chunks.push(c);
    data.close();
    expect(chunks[0]!.tensors.x!.datatype).toBe('FP32');
    expect((chunks[0]!.tensors.x!.data as Float32Array)[0]).toBe(Math.fround(0.1));
    expect(chunks[0]!.sampleName(1)).toBe('f8.npy[1]');
  });
});

describe('image folders', () => {
  it('scale pixels to [0, 1], apply mean and std per channel, and lay out NCHW or NHWC', async () => {
    const path = join(tmp.dir, 'rgb.png');
    writePng(path, 2, 1, (x) => (x === 0 ? [255, 0, 51] : [0, 102, 255]));
    const nchw = planImages('in', ['N', 3, 2, 2], { size: [1, 2], mean: [0.5, 0, 0], std: [0.5, 1, 2] });
    const a = await loadImageBatch([path], nchw);
    expect(a.shape).toEqual([1, 3, 1, 2]);
    expect(Array.from(a.data as Float32Array).map((v) => Number(v.toFixed(4)))).toEqual([1, -1, 0, 0.4, 0.1, 0.5]);
    const nhwc = planImages('in', ['N', 1, 2, 3], {
      size: [1, 2],
      mean: [0.5, 0, 0],
      std: [0.5, 1, 2],
      layout: 'nhwc',
    });
    expect(nhwc.layout).toBe('nhwc');
    const b = await loadImageBatch([path], nhwc);
    expect(Array.from(b.data as Float32Array).map((v) => Number(v.toFixed(4)))).toEqual([1, 0, 0.1, -1, 0.4, 0.5]);
  });

  it('decode JPEG and resize to the model input; a single channel is luminance', async () => {
    const path = join(tmp.dir, 'grey.jpg');
    const w = 16;
    const rgba = Buffer.alloc(w * w * 4, 200);
    writeFileSync(path, jpeg.encode({ data: rgba, width: w, height: w }, 95).data);
    const plan = planImages('image', ['batch', 1, 8, 8], {});
    expect(plan).toMatchObject({ height: 8, width: 8, channels: 1, layout: 'nchw' });
    const t = await loadImageBatch([path], plan);
    expect(t.shape).toEqual([1, 1, 8, 8]);
    for (const v of t.data as Float32Array) expect(v).toBeCloseTo(200 / 255, 1);
  });

  it('calibrate the digits model from a folder of PNGs, naming a bad file by its path in the folder', async () => {
    const dir = join(tmp.dir, 'digit-images', 'class0');
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < 5; i++) writePng(join(dir, `img${i}.png`), 8, 8, (x, y) => [((x + y + i) * 20) % 256, 0, 0]);
    const model = OnnxModel.open(fixtures.digits.model);
    const data = await openCalibrationData(join(tmp.dir, 'digit-images'), model.info.graph.inputs);
    expect([data.format, data.count]).toEqual(['images', 5]);
    writeFileSync(join(dir, 'img9.png'), 'not a png');
    const broken = await openCalibrationData(join(tmp.dir, 'digit-images'), model.info.graph.inputs);
    model.close();
    const err = await (async () => {
      for await (const _ of broken.chunks()) void _;
    })().then(
      () => undefined,
      (e: unknown) => e as OodError,
    );
    expect(err?.message).toBe('sample img9.png: not a PNG or JPEG file');
  });

  it('refuse an --image-size that does not fit a fixed input before decoding anything, naming the first image', async () => {
    const dir = join(tmp.dir, 'size-mismatch');
    mkdirSync(dir);
    writePng(join(dir, 'a.png'), 8, 8, () => [10, 20, 30]);
    const model = OnnxModel.open(fixtures.digits.model);
    const err = await openCalibrationData(dir, model.info.graph.inputs, { size: [16, 16] }).then(
      () => undefined,
      (e: unknown) => e as OodError,
    );
    model.close();
    expect(err?.message).toBe(
      'sample a.png: input "image" has shape [1, 1, 16, 16]; the model expects [batch, 1, 8, 8] (dimension 2 is 16, not 8)',
    );
  });

  it('refuse a folder that mixes kinds of data, and one with none', async () => {
    const dir = join(tmp.dir, 'mixed');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.json'), '{}');
    writeFileSync(join(dir, 'b.png'), '');
    await expect(openCalibrationData(dir, [])).rejects.toMatchObject({ code: 'DATA_MIXED' });
    const empty = join(tmp.dir, 'empty');
    mkdirSync(empty);
    await expect(openCalibrationData(empty, [])).rejects.toMatchObject({ code: 'DATA_EMPTY' });
  });
});
