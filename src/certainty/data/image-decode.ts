// Decode PNG (pngjs) and JPEG (jpeg-js) files to 8-bit RGBA, and resize with bilinear interpolation on
// half-pixel centres (no antialiasing), which is what calibration of a [N, C, H, W] classifier needs.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { OodError, fileError } from '../../errors.js';

/** An image as 8-bit RGBA rows. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** File extensions read as images. */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'] as const;

/** Decode one PNG or JPEG file, telling the two apart by their magic bytes. */
export async function decodeImageFile(path: string): Promise<RgbaImage> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    throw fileError(err, path, 'image');
  }
  try {
    if (buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
      const png = PNG.sync.read(buf);
      return {
        width: png.width,
        height: png.height,
        data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length),
      };
    }
    if (buf[0] === 0xff && buf[1] === 0xd8) {
      const img = jpeg.decode(buf, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
      return { width: img.width, height: img.height, data: img.data };
    }
  } catch (err) {
    throw new OodError(
      'DATA_INVALID',
      `sample ${basename(path)}: cannot decode the image (${(err as Error).message})`,
      {
        hint: 'Remove or re-save the file; only PNG and baseline/progressive JPEG are read.',
        cause: err,
        details: { sample: basename(path), problem: 'undecodable image' },
      },
    );
  }
  throw new OodError('DATA_INVALID', `sample ${basename(path)}: not a PNG or JPEG file`, {
    hint: 'The image folder may hold only .png, .jpg and .jpeg files.',
    details: { sample: basename(path), problem: 'not a PNG or JPEG' },
  });
}

/** Bilinear resize of RGBA to width × height (half-pixel centres, edge clamped). */
export function resizeBilinear(img: RgbaImage, width: number, height: number): RgbaImage {
  if (img.width === width && img.height === height) return img;
  const out = new Uint8Array(width * height * 4);
  const sx = img.width / width;
  const sy = img.height / height;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), img.height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, img.height - 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), img.width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, img.width - 1);
      const wx = fx - x0;
      for (let c = 0; c < 4; c++) {
        const p = (yy: number, xx: number) => img.data[(yy * img.width + xx) * 4 + c]!;
        const top = p(y0, x0) + (p(y0, x1) - p(y0, x0)) * wx;
        const bottom = p(y1, x0) + (p(y1, x1) - p(y1, x0)) * wx;
        out[(y * width + x) * 4 + c] = Math.round(top + (bottom - top) * wy);
      }
    }
  }
  return { width, height, data: out };
}
