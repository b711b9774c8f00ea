// Calibration samples from a folder of PNG/JPEG images, preprocessed as the seed library's image data handler
// does: resize to --image-size, scale pixels to [0, 1], subtract --mean and divide by --std per channel, and lay
// out as NCHW or NHWC. One channel means luminance (ITU-R BT.601 weights); three mean RGB.
import { OodError } from '../../errors.js';
import type { Dim } from '../../onnx/decode.js';
import { decodeImageFile } from './image-decode.js';
import { centerCrop, resizeImage } from './image-resize.js';
import type { Tensor } from '../../tensor/tensor.js';

/** How images become a model input. */
export interface ImageOptions {
  /** [height, width]; default: the input's fixed spatial dims. */
  size?: [number, number];
  /** Per-channel mean and std applied to pixels scaled to [0, 1]; defaults 0 and 1. */
  mean?: number[];
  std?: number[];
  /** Default: nchw, unless the input's last dim is 1 or 3 and its second is not. */
  layout?: 'nchw' | 'nhwc';
  /** stretch (default): resize to the size; center-crop: shorter side to `resizeShorterTo`, then crop. */
  resize?: 'stretch' | 'center-crop';
  /** center-crop: the shorter side before cropping; default round(max(height, width) / 0.875), 256 for 224. */
  resizeShorterTo?: number;
}

/** Preprocessing resolved against the model input. */
export interface ImagePlan {
  height: number;
  width: number;
  channels: 1 | 3;
  layout: 'nchw' | 'nhwc';
  mean: number[];
  std: number[];
  resize: 'stretch' | 'center-crop';
  resizeShorterTo: number;
}

function usage(message: string, hint: string): OodError {
  return new OodError('IMAGE_OPTIONS', message, { hint });
}

/** Resolve layout, size, channels and normalization for an image input of shape `shape`. */
export function planImages(inputName: string, shape: Dim[] | null, options: ImageOptions): ImagePlan {
  if (!shape || shape.length !== 4) {
    throw usage(
      `input "${inputName}" is not a 4-D image tensor (shape ${shape ? `[${shape.join(', ')}]` : 'unknown'})`,
      'Images feed models whose input is [N, C, H, W] or [N, H, W, C].',
    );
  }
  const guess = (shape[3] === 1 || shape[3] === 3) && shape[1] !== 1 && shape[1] !== 3 ? 'nhwc' : 'nchw';
  const layout = options.layout ?? guess;
  const [cDim, hDim, wDim] = layout === 'nchw' ? [shape[1], shape[2], shape[3]] : [shape[3], shape[1], shape[2]];
  const channels = typeof cDim === 'number' ? cDim : 3;
  if (channels !== 1 && channels !== 3) {
    throw usage(
      `input "${inputName}" has ${channels} channels in ${layout} layout; images give 1 or 3`,
      'Check --layout (nchw or nhwc).',
    );
  }
  const height = options.size?.[0] ?? (typeof hDim === 'number' ? hDim : undefined);
  const width = options.size?.[1] ?? (typeof wDim === 'number' ? wDim : undefined);
  if (height === undefined || width === undefined) {
    throw usage(
      `input "${inputName}" has no fixed height and width`,
      'Pass --image-size, e.g. --image-size 224 or --image-size 224,224.',
    );
  }
  const perChannel = (values: number[] | undefined, fallback: number, flag: string): number[] => {
    const v = values ?? [fallback];
    if (v.length === 1) return Array(channels).fill(v[0]);
    if (v.length !== channels)
      throw usage(
        `${flag} has ${v.length} values; the input has ${channels} channels`,
        `Give ${flag} one value or ${channels}.`,
      );
    return v;
  };
  const std = perChannel(options.std, 1, '--std');
  if (std.some((s) => !(s > 0) && !(s < 0)))
    throw usage('--std values must be non-zero', 'Use the standard deviations the model was trained with.');
  const resize = options.resize ?? 'stretch';
  const resizeShorterTo = options.resizeShorterTo ?? Math.round(Math.max(height, width) / 0.875);
  if (resize === 'center-crop' && !(Number.isInteger(resizeShorterTo) && resizeShorterTo >= Math.max(height, width)))
    throw usage(
      `--resize-shorter ${resizeShorterTo} must be an integer of at least the crop size ${Math.max(height, width)}`,
      'Use e.g. --resize center-crop --resize-shorter 256 --image-size 224.',
    );
  return { height, width, channels, layout, mean: perChannel(options.mean, 0, '--mean'), std, resize, resizeShorterTo };
}

/** Decode, resize and normalize images into one float32 tensor [files.length, ...]. */
export async function loadImageBatch(files: readonly string[], plan: ImagePlan): Promise<Tensor> {
  const { height: h, width: w, channels: c, layout, mean, std } = plan;
  const data = new Float32Array(files.length * c * h * w);
  for (const [n, file] of files.entries()) {
    const decoded = await decodeImageFile(file);
    const img =
      plan.resize === 'center-crop' ? centerCrop(decoded, plan.resizeShorterTo, w, h) : resizeImage(decoded, w, h);
    const base = n * c * h * w;
    for (let p = 0; p < h * w; p++) {
      const r = img.data[p * 4]! / 255;
      const g = img.data[p * 4 + 1]! / 255;
      const b = img.data[p * 4 + 2]! / 255;
      const values = c === 1 ? [0.299 * r + 0.587 * g + 0.114 * b] : [r, g, b];
      for (let k = 0; k < c; k++) {
        const v = (values[k]! - mean[k]!) / std[k]!;
        data[layout === 'nchw' ? base + k * h * w + p : base + p * c + k] = v;
      }
    }
  }
  const dims = layout === 'nchw' ? [files.length, c, h, w] : [files.length, h, w, c];
  return { datatype: 'FP32', shape: dims, data };
}
