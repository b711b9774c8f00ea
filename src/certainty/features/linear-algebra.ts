// The small dense linear algebra the feature-space fits need, in float64: class means, a shared covariance,
// and its Cholesky factor. Matrices are row-major Float64Arrays of size n·n.
import { OodError } from '../../errors.js';

/** Per-class means of rows `features` (count × dim) grouped by `labels`; classes with no rows are left out. */
export function classMeans(
  features: Float32Array,
  dim: number,
  labels: Int32Array,
): { classes: number[]; means: Float64Array[] } {
  const sums = new Map<number, { n: number; sum: Float64Array }>();
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i]!;
    let s = sums.get(c);
    if (!s) sums.set(c, (s = { n: 0, sum: new Float64Array(dim) }));
    s.n++;
    for (let j = 0; j < dim; j++) s.sum[j]! += features[i * dim + j]!;
  }
  const classes = [...sums.keys()].sort((a, b) => a - b);
  return { classes, means: classes.map((c) => sums.get(c)!.sum.map((v) => v / sums.get(c)!.n)) };
}

/** Shared (pooled, tied) covariance: mean over rows of (f − μ_label)(f − μ_label)ᵀ. */
export function pooledCovariance(
  features: Float32Array,
  dim: number,
  labels: Int32Array,
  classes: number[],
  means: Float64Array[],
): Float64Array {
  const index = new Map(classes.map((c, i) => [c, i]));
  const cov = new Float64Array(dim * dim);
  const d = new Float64Array(dim);
  for (let i = 0; i < labels.length; i++) {
    const mu = means[index.get(labels[i]!)!]!;
    for (let j = 0; j < dim; j++) d[j] = features[i * dim + j]! - mu[j]!;
    for (let r = 0; r < dim; r++) {
      const dr = d[r]!;
      if (dr === 0) continue;
      for (let c = r; c < dim; c++) cov[r * dim + c]! += dr * d[c]!;
    }
  }
  for (let r = 0; r < dim; r++) {
    for (let c = r; c < dim; c++) {
      const v = cov[r * dim + c]! / labels.length;
      cov[r * dim + c] = v;
      cov[c * dim + r] = v;
    }
  }
  return cov;
}

/** Lower-triangular L with A = L·Lᵀ for a symmetric positive-definite A. */
export function cholesky(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) {
        if (!(s > 0))
          throw new OodError('FEATURES_SINGULAR', 'the feature covariance is not positive definite', {
            hint: 'Calibrate on more (and more varied) samples.',
          });
        l[i * n + i] = Math.sqrt(s);
      } else l[i * n + j] = s / l[j * n + j]!;
    }
  }
  return l;
}

/**
 * A factor W with Σ⁻¹ = W·Wᵀ, so that (f − μ)ᵀ Σ⁻¹ (f − μ) = ‖(f − μ)·W‖². With Σ = L·Lᵀ, W = L⁻ᵀ
 * (upper triangular), found by solving L·X = I and transposing.
 */
export function whiteningFactor(l: Float64Array, n: number): Float64Array {
  const inv = new Float64Array(n * n); // L⁻¹, lower triangular
  for (let col = 0; col < n; col++) {
    for (let i = col; i < n; i++) {
      let s = i === col ? 1 : 0;
      for (let k = col; k < i; k++) s -= l[i * n + k]! * inv[k * n + col]!;
      inv[i * n + col] = s / l[i * n + i]!;
    }
  }
  const w = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) w[r * n + c] = inv[c * n + r]!;
  return w;
}

/** Add `ridge` times the mean diagonal to the diagonal (shrinkage that keeps Σ invertible). */
export function addRidge(a: Float64Array, n: number, ridge: number): number {
  let trace = 0;
  for (let i = 0; i < n; i++) trace += a[i * n + i]!;
  const delta = ridge * (trace / n || 1);
  for (let i = 0; i < n; i++) a[i * n + i]! += delta;
  return delta;
}
