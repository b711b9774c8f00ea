// What the calibration data went through before it reached the model, recorded so that a client can feed the
// model what it was calibrated on (ood.preprocessing in the metadata, runtime.yaml and input_schema.json). For
// image folders that is ood's own decoding (images.ts): pixels scaled to [0, 1], resized, then normalised per
// channel; for tensors (.npy, V2 JSON) the data is fed as given, so the record says so.
import type { ValueInfo } from '../onnx/decode.js';
import { openCalibrationData } from './data/open-data.js';
import { planImages, type ImageOptions } from './data/images.js';

/** The recorded preprocessing. */
export type PreprocessingRecord =
  | { source: 'tensors'; note: string }
  | {
      source: 'images';
      input: string;
      layout: 'nchw' | 'nhwc';
      channels: number;
      height: number;
      width: number;
      /** stretch: resize to height × width; center-crop: torchvision's Resize(shorter side) + CenterCrop. */
      resize: 'stretch' | 'center-crop';
      resizeShorterTo?: number;
      antialias: boolean;
      scale: string;
      mean: number[];
      std: number[];
    };

/** Describe how `dataPath` was turned into model input. */
export async function describePreprocessing(
  dataPath: string,
  inputs: readonly ValueInfo[],
  image: ImageOptions,
): Promise<PreprocessingRecord> {
  const data = await openCalibrationData(dataPath, inputs, image);
  const format = data.format;
  data.close();
  if (format !== 'images')
    return { source: 'tensors', note: `calibration data was ${format} tensors, fed to the model as given` };
  const input = inputs[0]!;
  const plan = planImages(input.name, input.type.kind === 'tensor' ? input.type.shape : null, image);
  return {
    source: 'images',
    input: input.name,
    layout: plan.layout,
    channels: plan.channels,
    height: plan.height,
    width: plan.width,
    resize: plan.resize,
    ...(plan.resize === 'center-crop' ? { resizeShorterTo: plan.resizeShorterTo } : {}),
    antialias: true,
    scale: 'RGB (or luma for 1 channel) / 255, then (x - mean) / std per channel',
    mean: plan.mean,
    std: plan.std,
  };
}

/** One line for input_schema.json's description of the input. */
export function describePreprocessingLine(p: PreprocessingRecord): string {
  if (p.source === 'tensors') return `Calibrated on tensors fed as given (${p.note}).`;
  const resize =
    p.resize === 'center-crop'
      ? `shorter side resized to ${p.resizeShorterTo} (antialiased), centre crop ${p.height}x${p.width}`
      : `resized to ${p.height}x${p.width} (antialiased when downscaling)`;
  return `Calibrated on images: ${resize}, ${p.channels === 1 ? 'luma' : 'RGB'} / 255, mean ${p.mean.join(',')}, std ${p.std.join(',')}, ${p.layout}.`;
}
