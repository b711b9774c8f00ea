// Rows of one float input, and the image geometry and pixel moves the synthetic OOD kinds are made with
// (synthetic-ood.ts, synthetic-near-ood.ts).

/** Float32 rows of one input: data row-major over `shape` (shape[0] rows). */
export interface FloatRows {
  data: Float32Array;
  shape: number[];
  /** The model's predicted class of each row, when known (near-OOD kinds pair rows of different classes). */
  labels?: Int32Array;
}

/**
 * One synthetic set: its name, whether it stands in for near-OOD (new content in the data's own domain and
 * statistics) or far-OOD (noise, another domain), and the transform that makes it from ID rows.
 */
export interface SyntheticKind {
  name: string;
  reach: 'near' | 'far';
  make(rows: FloatRows, random: () => number): Float32Array;
}

export function stats(x: Float32Array): { lo: number; hi: number; mean: number; std: number } {
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
export function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

export function shuffled(n: number, random: () => number): Int32Array {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

/** Image geometry of a rank-4 shape: channels first when dim 1 is 1, 3 or 4 and dim 3 is not. */
export function geometry(shape: number[]): { channels: number; height: number; width: number; channelsFirst: boolean } {
  const channelsFirst = !([1, 3, 4].includes(shape[3]!) && ![1, 3, 4].includes(shape[1]!));
  return channelsFirst
    ? { channels: shape[1]!, height: shape[2]!, width: shape[3]!, channelsFirst }
    : { channels: shape[3]!, height: shape[1]!, width: shape[2]!, channelsFirst };
}

/** Move pixels: output pixel p takes input pixel source(p), every channel alike. */
export function movePixels(
  rows: FloatRows,
  source: (pixel: number, width: number, height: number) => number,
): Float32Array {
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
