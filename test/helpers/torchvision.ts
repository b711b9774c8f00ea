// Real architectures for tests: torchvision ResNet-18 / MobileNetV2 with random (seeded) weights, exported to
// ONNX by Debian's python3-torch 1.13 + python3-torchvision 0.14 and cached under .cache/models/ (gitignored).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixtures } from './fixtures.js';
import { runPython } from './python.js';

export type TorchvisionArch = 'resnet18' | 'mobilenet_v2';

export interface TorchvisionOptions {
  /** ai.onnx opset for torch.onnx.export (torch 1.13 exports up to 17). Default 13. */
  opset?: number;
  /** Height and width of the fixed-size input; batch stays dynamic. Default 224. */
  imageSize?: number;
  /** torch.manual_seed before the random weights are drawn. Default 0. */
  seed?: number;
}

const SCRIPT = fileURLToPath(new URL('./export_torchvision.py', import.meta.url));

/** Where exported models are cached: <repo>/.cache/models. */
export const TORCHVISION_CACHE = join(fixtures.cacheDir, 'models');

/**
 * Export (or reuse) a torchvision classifier: input `input` FP32 [batch,3,S,S], output `logits` [batch,1000].
 * The cache key covers the options and the export script, so editing either re-exports. Written via a unique
 * temporary file and rename, so parallel workers never see a half-written model. Check availability first with
 * `missingTorch()` from python.ts.
 */
export async function exportTorchvision(arch: TorchvisionArch, opts: TorchvisionOptions = {}): Promise<string> {
  const opset = opts.opset ?? 13;
  const imageSize = opts.imageSize ?? 224;
  const seed = opts.seed ?? 0;
  const key = createHash('sha256')
    .update(readFileSync(SCRIPT))
    .update(JSON.stringify({ arch, opset, imageSize, seed }))
    .digest('hex')
    .slice(0, 12);
  const path = join(TORCHVISION_CACHE, `${arch}-opset${opset}-${imageSize}px-seed${seed}-${key}.onnx`);
  if (existsSync(path)) return path;
  await mkdir(TORCHVISION_CACHE, { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    await runPython(SCRIPT, [arch, tmp, String(opset), String(imageSize), String(seed)]);
    await rename(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
  return path;
}
