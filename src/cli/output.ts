// Rendering shared by every command: one data model, printed as text or as --json.
import { OodError, toOodError } from '../errors.js';

/** Print a value as stable, pretty JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Render rows as an aligned plain-text table. Columns are taken from `columns`, in order. */
export function formatTable(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Print an error as `Error: …` / `Hint: …`, with the stack and causes only when verbose. */
export function printError(err: unknown, verbose: boolean, json: boolean): OodError {
  const error = toOodError(err);
  if (json) {
    process.stderr.write(`${JSON.stringify({ error: error.toJSON() })}\n`);
  } else {
    process.stderr.write(`Error: ${error.message}\n`);
    if (error.hint) process.stderr.write(`Hint: ${error.hint}\n`);
  }
  if (verbose) {
    let cause: unknown = error;
    while (cause instanceof Error) {
      process.stderr.write(`${cause.stack ?? cause.message}\n`);
      cause = cause.cause;
      if (cause) process.stderr.write('Caused by: ');
    }
  }
  return error;
}
