// Eigen-decomposition and pseudo-inverse for the fits that need them (ViM), from ml-matrix: a maintained port of
// JAMA's symmetric tridiagonal QL algorithm and SVD, which beats a hand-written solver on correctness.
import { EigenvalueDecomposition, Matrix, pseudoInverse } from 'ml-matrix';

/** Eigenvalues (ascending) and unit eigenvectors (column i of `vectors`, row-major dim × dim) of symmetric A. */
export function symmetricEigen(a: Float64Array, dim: number): { values: Float64Array; vectors: Float64Array } {
  const m = new Matrix(dim, dim);
  for (let r = 0; r < dim; r++) for (let c = 0; c < dim; c++) m.set(r, c, a[r * dim + c]!);
  const e = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  const order = e.realEigenvalues.map((v, i) => [v, i] as const).sort((x, y) => x[0] - y[0]);
  const v = e.eigenvectorMatrix;
  const values = Float64Array.from(order, ([value]) => value);
  const vectors = new Float64Array(dim * dim);
  order.forEach(([, i], col) => {
    for (let r = 0; r < dim; r++) vectors[r * dim + col] = v.get(r, i);
  });
  return { values, vectors };
}

/** x = W⁺·y for row-major W [rows, cols]: the least-norm least-squares solution of W·x = y. */
export function pseudoInverseSolve(w: Float64Array, rows: number, cols: number, y: Float64Array): Float64Array {
  const m = new Matrix(rows, cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) m.set(r, c, w[r * cols + c]!);
  const p = pseudoInverse(m);
  const x = new Float64Array(cols);
  for (let c = 0; c < cols; c++) for (let r = 0; r < rows; r++) x[c]! += p.get(c, r) * y[r]!;
  return x;
}
