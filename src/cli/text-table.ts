// Aligned plain-text tables that fit the terminal: when the natural width is more than the terminal's, the
// columns named wrappable (a message, a description) narrow, widest first, and their cells wrap at word
// boundaries onto continuation lines. Outside a terminal the width is $COLUMNS if set, else unlimited, so pipes
// and logs keep one line per row.

/** How a table may be laid out. */
export interface TableOptions {
  /** Total width to fit; default terminalWidth(). */
  width?: number;
  /** Indexes of the columns that may wrap; default the last one. [] keeps every cell on one line. */
  wrap?: readonly number[];
}

const GAP = 2;
const MIN_WRAPPED = 12;

/** The width to fit: the terminal's columns, else $COLUMNS, else undefined (no limit). */
export function terminalWidth(stream: NodeJS.WriteStream = process.stdout): number | undefined {
  if (stream.isTTY && stream.columns) return stream.columns;
  const env = Number(process.env.COLUMNS);
  return Number.isInteger(env) && env > 0 ? env : undefined;
}

/** Render rows as an aligned plain-text table under a header and a rule. */
export function formatTable(
  columns: readonly string[],
  rows: readonly (readonly string[])[],
  options: TableOptions = {},
): string {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? '').length)));
  const wrap = options.wrap ?? [columns.length - 1];
  const limit = options.width === undefined ? terminalWidth() : options.width;
  if (limit !== undefined) narrow(widths, columns, wrap, limit);
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join(' '.repeat(GAP))
      .trimEnd();
  const physical = (cells: readonly string[]): string[] => {
    const parts = columns.map((_, i) => (wrap.includes(i) ? wrapText(cells[i] ?? '', widths[i]!) : [cells[i] ?? '']));
    const height = Math.max(...parts.map((p) => p.length));
    return Array.from({ length: height }, (_, k) => line(parts.map((p) => p[k] ?? '')));
  };
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...rows.flatMap(physical)].join('\n');
}

/** Take the excess width out of the wrappable columns, one character at a time from the widest. */
function narrow(widths: number[], columns: readonly string[], wrap: readonly number[], limit: number): void {
  let excess = widths.reduce((a, b) => a + b, 0) + GAP * (widths.length - 1) - limit;
  const floor = (i: number) => Math.max(columns[i]!.length, MIN_WRAPPED);
  while (excess > 0) {
    const candidates = wrap.filter((i) => widths[i]! > floor(i));
    if (candidates.length === 0) return;
    const widest = candidates.reduce((a, b) => (widths[b]! > widths[a]! ? b : a));
    widths[widest]!--;
    excess--;
  }
}

/** Greedy word wrap to `width`; a word longer than the width is cut. */
export function wrapText(text: string, width: number): string[] {
  if (text.length <= width) return [text];
  const lines: string[] = [];
  let current = '';
  for (let word of text.split(/\s+/).filter(Boolean)) {
    while (word.length > width) {
      if (current) lines.push(current);
      current = '';
      lines.push(word.slice(0, width));
      word = word.slice(width);
    }
    if (!current) current = word;
    else if (current.length + 1 + word.length <= width) current += ` ${word}`;
    else {
      lines.push(current);
      current = word;
    }
  }
  if (current) lines.push(current);
  return lines.length > 0 ? lines : [''];
}
