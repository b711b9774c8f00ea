// Synthetic out-of-distribution sets made from in-distribution validation rows, for `--method auto` when the
// user gives no OOD data of their own: kinds a deployed model meets and should score low. Images (rank-4 float
// inputs): uniform noise over the data's range, Gaussian noise with the data's mean and spread, inverted
// intensities, a fixed permutation of the pixel positions, and the image upside down. Other float inputs:
// uniform noise, a fixed permutation of the features, and values pushed out of range (4× from the mean).
// These are far-OOD; the near-OOD kinds (new content in the data's own domain) are in synthetic-near-ood.ts.
// Seeded, so a rerun makes the same sets.
import { seededRandom } from '../split.js';
import { geometry, gaussian, movePixels, shuffled, stats, type FloatRows, type SyntheticKind } from './image-rows.js';
import { NEAR_FEATURE_KINDS, NEAR_IMAGE_KINDS } from './synthetic-near-ood.js';

export type { FloatRows, SyntheticKind } from './image-rows.js';

const uniformNoise: SyntheticKind = {
  name: 'synthetic:uniform-noise',
  reach: 'far',
  make(rows, random) {
    const { lo, hi } = stats(rows.data);
    return rows.data.map(() => lo + (hi - lo) * random());
  },
};

const IMAGE_KINDS: SyntheticKind[] = [
  uniformNoise,
  {
    name: 'synthetic:gaussian-noise',
    reach: 'far',
    make(rows, random) {
      const { lo, hi, mean, std } = stats(rows.data);
      return rows.data.map(() => Math.min(hi, Math.max(lo, mean + std * gaussian(random))));
    },
  },
  {
    name: 'synthetic:inverted',
    reach: 'far',
    make(rows) {
      const { lo, hi } = stats(rows.data);
      return rows.data.map((v) => lo + hi - v);
    },
  },
  {
    name: 'synthetic:pixel-permutation',
    reach: 'far',
    make(rows, random) {
      const { height, width } = geometry(rows.shape);
      const order = shuffled(height * width, random);
      return movePixels(rows, (p) => order[p]!);
    },
  },
  {
    name: 'synthetic:upside-down',
    reach: 'far',
    make(rows) {
      return movePixels(rows, (p, width, height) => (height - 1 - Math.floor(p / width)) * width + (p % width));
    },
  },
];

const FEATURE_KINDS: SyntheticKind[] = [
  uniformNoise,
  {
    name: 'synthetic:feature-permutation',
    reach: 'far',
    make(rows, random) {
      const width = rows.data.length / rows.shape[0]!;
      const order = shuffled(width, random);
      const out = new Float32Array(rows.data.length);
      for (let r = 0; r < rows.shape[0]!; r++)
        for (let j = 0; j < width; j++) out[r * width + j] = rows.data[r * width + order[j]!]!;
      return out;
    },
  },
  {
    name: 'synthetic:out-of-range',
    reach: 'far',
    make(rows) {
      const { mean } = stats(rows.data);
      return rows.data.map((v) => mean + 4 * (v - mean));
    },
  },
];

/** The kinds that fit an input of this shape. */
export function syntheticKinds(shape: readonly number[]): SyntheticKind[] {
  return shape.length === 4 ? [...IMAGE_KINDS, ...NEAR_IMAGE_KINDS] : [...FEATURE_KINDS, ...NEAR_FEATURE_KINDS];
}

/** Make one kind from rows, seeded per kind so that each set is reproducible on its own. */
export function makeSynthetic(kind: SyntheticKind, rows: FloatRows, seed: number): Float32Array {
  let h = seed >>> 0;
  for (const ch of kind.name) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return kind.make(rows, seededRandom(h));
}
