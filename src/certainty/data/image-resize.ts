// Resizing for calibration images. Downscaling is antialiased the way Pillow and torchvision (antialias=True)
// do it: a separable triangle (bilinear) filter whose support grows with the scale factor, so every source pixel
// contributes and thin strokes do not alias away. Upscaling is plain bilinear with half-pixel centres
// (resizeBilinear). `centerCrop` is torchvision's usual evaluation transform: Resize(shorter side) then
// CenterCrop, e.g. 256 then 224 for ImageNet models.
import { resizeBilinear, type RgbaImage } from './image-decode.js';

/** Pillow's filter weights for one axis: for each output index, the first source index and its weights. */
function axisWeights(inSize: number, outSize: number): { first: number; weights: Float64Array }[] {
  const scale = inSize / outSize;
  const support = Math.max(scale, 1);
  const result: { first: number; weights: Float64Array }[] = [];
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const first = Math.max(0, Math.floor(center - support));
    const last = Math.min(inSize, Math.ceil(center + support));
    const weights = new Float64Array(last - first);
    let total = 0;
    for (let j = first; j < last; j++) {
      const w = Math.max(0, 1 - Math.abs((j - center + 0.5) / support));
      weights[j - first] = w;
      total += w;
    }
    if (total > 0) for (let k = 0; k < weights.length; k++) weights[k]! /= total;
    result.push({ first, weights });
  }
  return result;
}

/** Resize RGBA to width × height: antialiased where an axis shrinks, bilinear where both grow. */
export function resizeImage(img: RgbaImage, width: number, height: number): RgbaImage {
  if (img.width === width && img.height === height) return img;
  if (width >= img.width && height >= img.height) return resizeBilinear(img, width, height);
  const horizontal = axisWeights(img.width, width);
  const vertical = axisWeights(img.height, height);
  const mid = new Float64Array(width * img.height * 4);
  for (let y = 0; y < img.height; y++)
    for (let x = 0; x < width; x++) {
      const { first, weights } = horizontal[x]!;
      for (let c = 0; c < 4; c++) {
        let v = 0;
        for (let k = 0; k < weights.length; k++) v += weights[k]! * img.data[(y * img.width + first + k) * 4 + c]!;
        mid[(y * width + x) * 4 + c] = v;
      }
    }
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const { first, weights } = vertical[y]!;
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 4; c++) {
        let v = 0;
        for (let k = 0; k < weights.length; k++) v += weights[k]! * mid[((first + k) * width + x) * 4 + c]!;
        out[(y * width + x) * 4 + c] = Math.min(255, Math.max(0, Math.round(v)));
      }
  }
  return { width, height, data: out };
}

/** Python's round(): halves go to the even neighbour, as torchvision's crop offsets do. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** torchvision's Resize(shorter) + CenterCrop(height, width), with its rounding. */
export function centerCrop(img: RgbaImage, shorter: number, width: number, height: number): RgbaImage {
  const landscape = img.width >= img.height;
  const scaledW = landscape ? Math.floor((shorter * img.width) / img.height) : shorter;
  const scaledH = landscape ? shorter : Math.floor((shorter * img.height) / img.width);
  const scaled = resizeImage(img, scaledW, scaledH);
  const top = roundHalfEven((scaledH - height) / 2);
  const left = roundHalfEven((scaledW - width) / 2);
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const sy = Math.min(Math.max(y + top, 0), scaledH - 1);
      const sx = Math.min(Math.max(x + left, 0), scaledW - 1);
      out.set(scaled.data.subarray((sy * scaledW + sx) * 4, (sy * scaledW + sx) * 4 + 4), (y * width + x) * 4);
    }
  return { width, height, data: out };
}
