// DRUM's sparse payload, text/mtx: a Matrix Market exchange file (NIST's "The Matrix Market Exchange Formats:
// Initial Design", 1996; what scipy.io.mmwrite writes and DRUM reads with mmread), one matrix row per input row.
// Read here into the same table of cells as CSV (csv.ts takes it from there), with the column names of the
// optional X.colnames form field as its header. Supported: `matrix coordinate|array real|integer|pattern
// general|symmetric`; complex and hermitian matrices are not features a model takes.
import { OodError } from '../../errors.js';

/** Densest matrix accepted (rows × columns cells), so a tiny header cannot ask for gigabytes. */
const MAX_CELLS = 50_000_000;

function refuse(message: string): OodError {
  return new OodError('DRUM_FORMAT_UNSUPPORTED', `the text/mtx payload cannot be read: ${message}`, {
    hint: 'Write it with scipy.io.mmwrite (%%MatrixMarket matrix coordinate real general), or send CSV.',
  });
}

/** A Matrix Market text as rows of cells, headed by `columns` when given. */
export function matrixMarketTable(text: string, columns: readonly string[] | undefined): string[][] {
  const lines = text.split(/\r?\n/);
  const banner = (lines[0] ?? '').trim().toLowerCase().split(/\s+/);
  if (banner[0] !== '%%matrixmarket' || banner[1] !== 'matrix')
    throw refuse('the first line is not a "%%MatrixMarket matrix ..." banner');
  const [, , layout, field, symmetry] = banner;
  if (
    (layout !== 'coordinate' && layout !== 'array') ||
    !['real', 'integer', 'pattern', 'double'].includes(field ?? '')
  )
    throw refuse(`"${layout} ${field}" matrices are not supported; use coordinate or array, real or integer`);
  if (symmetry !== 'general' && symmetry !== 'symmetric') throw refuse(`"${symmetry}" symmetry is not supported`);
  const body = lines.slice(1).filter((l) => l.trim() !== '' && !l.trimStart().startsWith('%'));
  const size = (body.shift() ?? '').trim().split(/\s+/).map(Number);
  const [rows, cols] = size;
  if (!Number.isSafeInteger(rows) || !Number.isSafeInteger(cols) || rows! < 0 || cols! < 0)
    throw refuse('the size line is not "ROWS COLUMNS [ENTRIES]"');
  if (rows! * cols! > MAX_CELLS) throw refuse(`a ${rows} × ${cols} matrix is larger than ${MAX_CELLS} cells`);
  if (columns && columns.length !== cols)
    throw refuse(`X.colnames names ${columns.length} columns, the matrix has ${cols}`);
  const cells = Array.from({ length: rows! }, () => new Array<string>(cols!).fill('0'));
  const put = (i: number, j: number, v: string, where: number) => {
    if (!(i >= 0 && i < rows! && j >= 0 && j < cols!))
      throw refuse(`entry ${where} (${i + 1}, ${j + 1}) is outside the matrix`);
    cells[i]![j] = v;
    if (symmetry === 'symmetric' && i !== j && j < rows! && i < cols!) cells[j]![i] = v;
  };
  if (layout === 'coordinate') {
    const entries = size[2];
    if (!Number.isSafeInteger(entries) || body.length !== entries)
      throw refuse(`the size line announces ${entries} entries, the file has ${body.length}`);
    body.forEach((line, k) => {
      const [i, j, v] = line.trim().split(/\s+/);
      put(Number(i) - 1, Number(j) - 1, field === 'pattern' ? '1' : (v ?? ''), k + 1);
    });
  } else {
    // Array layout: the values column by column (column-major), the lower triangle only when symmetric.
    let k = 0;
    for (let j = 0; j < cols!; j++)
      for (let i = symmetry === 'symmetric' ? j : 0; i < rows!; i++) {
        const v = body[k++];
        if (v === undefined) throw refuse(`the file ends after ${k - 1} of its values`);
        put(i, j, v.trim(), k);
      }
  }
  return columns ? [[...columns], ...cells] : cells;
}
