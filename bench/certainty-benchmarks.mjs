// The two certainty benchmarks (issue 14), shared by bench/certainty-methods.mjs and bench/certainty-auto.mjs:
//   digits   examples/digits (8x8 digits 0-7): held-out digits 8/9, inverted digits, uniform noise
//   fashion  bench/fashion/model.onnx, data from bench/fashion/train.py (Fashion-MNIST classes 0-7): held-out classes 8/9 (near-OOD), sklearn
//            digits upscaled (another domain), uniform noise, ID test images rotated 90 degrees
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const digits = join(root, 'examples', 'digits');
const fashion = join(root, 'bench', 'out', 'fashion');

export const BENCHMARKS = [
  {
    name: 'digits',
    model: join(digits, 'model.onnx'),
    fit: join(digits, 'data', 'id_train.npy'),
    id: join(digits, 'data', 'calibration.npy'),
    ood: ['ood_heldout', 'ood_inverted', 'ood_noise'].map((n) => join(digits, 'data', `${n}.npy`)),
    near: 'ood_heldout',
  },
  {
    name: 'fashion',
    model: join(root, 'bench', 'fashion', 'model.onnx'), // committed: training does not reproduce across machines
    fit: join(fashion, 'id_train.npy'),
    id: join(fashion, 'id_test.npy'),
    ood: ['ood_heldout', 'ood_digits', 'ood_noise', 'ood_rotated'].map((n) => join(fashion, `${n}.npy`)),
    near: 'ood_heldout',
  },
];
