// Synthetic out-of-distribution sets made from in-distribution validation rows, for `--method auto` when the
// user gives no OOD data of their own: kinds a deployed model meets and should score low. Images (rank-4 float
// inputs): uniform noise over the data's range, Gaussian noise with the data's mean and spread, inverted
// intensities, a fixed permutation of the pixel positions, and the image upside down. Other float inputs:
// uniform noise, a fixed permutation of the features, and values pushed out of range (4× from the mean).
// Seeded, so a rerun makes the same sets.
import { seededRandom } from '../split.js';

/** Float32 rows of one input: data row-major over `shape` (shape[0] rows). */
export interface FloatRows {
  data: Float32Array;
  shape: number[];
}

/** One synthetic set: its name and the transform that makes it from ID rows. */
export interface SyntheticKind {
  name: string;
  make(rows: FloatRows, random: () => number): Float32Array;
}

function stats(x: Float32Array): { lo: number; hi: number; mean: number; std: number } {
  let lo = Infinity;
  let hi = -Infinity;
  let sum = 0;
  for (const v of x) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
    sum += v;
  }
  const mean = sum / x.length;
  let sq = 0;
  for (const v of x) sq += (v - mean) ** 2;
  return { lo, hi, mean, std: Math.sqrt(sq / x.length) || 1 };
}

/** A standard normal draw (Box–Muller). */
function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

function shuffled(n: number, random: () => number): Int32Array {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

/** Image geometry of a rank-4 shape: channels first when dim 1 is 1, 3 or 4 and dim 3 is not. */
function geometry(shape: number[]): { channels: number; height: number; width: number; channelsFirst: boolean } {
  const channelsFirst = !([1, 3, 4].includes(shape[3]!) && ![1, 3, 4].includes(shape[1]!));
  return channelsFirst
    ? { channels: shape[1]!, height: shape[2]!, width: shape[3]!, channelsFirst }
    : { channels: shape[3]!, height: shape[1]!, width: shape[2]!, channelsFirst };
}

/** Move pixels: output pixel p takes input pixel source(p), every channel alike. */
function movePixels(rows: FloatRows, source: (pixel: number, width: number, height: number) => number): Float32Array {
  const { channels, height, width, channelsFirst } = geometry(rows.shape);
  const out = new Float32Array(rows.data.length);
  const perRow = channels * height * width;
  for (let r = 0; r < rows.shape[0]!; r++) {
    for (let p = 0; p < height * width; p++) {
      const from = source(p, width, height);
      for (let c = 0; c < channels; c++) {
        const to = channelsFirst ? c * height * width + p : p * channels + c;
        const at = channelsFirst ? c * height * width + from : from * channels + c;
        out[r * perRow + to] = rows.data[r * perRow + at]!;
      }
    }
  }
  return out;
}

const uniformNoise: SyntheticKind = {
  name: 'synthetic:uniform-noise',
  make(rows, random) {
    const { lo, hi } = stats(rows.data);
    return rows.data.map(() => lo + (hi - lo) * random());
  },
};

const IMAGE_KINDS: SyntheticKind[] = [
  uniformNoise,
  {
    name: 'synthetic:gaussian-noise',
    make(rows, random) {
      const { lo, hi, mean, std } = stats(rows.data);
      return rows.data.map(() => Math.min(hi, Math.max(lo, mean + std * gaussian(random))));
    },
  },
  {
    name: 'synthetic:inverted',
    make(rows) {
      const { lo, hi } = stats(rows.data);
      return rows.data.map((v) => lo + hi - v);
    },
  },
  {
    name: 'synthetic:pixel-permutation',
    make(rows, random) {
      const { height, width } = geometry(rows.shape);
      const order = shuffled(height * width, random);
      return movePixels(rows, (p) => order[p]!);
    },
  },
  {
    name: 'synthetic:upside-down',
    make(rows) {
      return movePixels(rows, (p, width, height) => (height - 1 - Math.floor(p / width)) * width + (p % width));
    },
  },
];

const FEATURE_KINDS: SyntheticKind[] = [
  uniformNoise,
  {
    name: 'synthetic:feature-permutation',
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
    make(rows) {
      const { mean } = stats(rows.data);
      return rows.data.map((v) => mean + 4 * (v - mean));
    },
  },
];

/** The kinds that fit an input of this shape. */
export function syntheticKinds(shape: readonly number[]): SyntheticKind[] {
  return shape.length === 4 ? IMAGE_KINDS : FEATURE_KINDS;
}

/** Make one kind from rows, seeded per kind so that each set is reproducible on its own. */
export function makeSynthetic(kind: SyntheticKind, rows: FloatRows, seed: number): Float32Array {
  let h = seed >>> 0;
  for (const ch of kind.name) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return kind.make(rows, seededRandom(h));
}
