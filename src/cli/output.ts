// Rendering shared by every command: one data model, printed as text or as --json.
import { OodError, toOodError } from '../errors.js';

/** Print a value as stable, pretty JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export { formatTable, type TableOptions } from './text-table.js';

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
