// Rendering shared by every command: one data model, printed as text or as --json.
import { OodError, toOodError } from '../errors.js';
import { convertKeys, snakeCaseKey } from '../io/json-keys.js';

/**
 * Print a value as stable, pretty JSON on stdout, its keys in snake_case (the one convention of every command's
 * --json, README "JSON output"). `verbatim` prints a document in another format's own names (a Kubernetes object).
 */
export function printJson(value: unknown, options: { verbatim?: boolean } = {}): void {
  const shown = options.verbatim ? value : convertKeys(value, snakeCaseKey);
  process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
}

export { formatTable, type TableOptions } from './text-table.js';

/** Print an error as `Error: …` / `Hint: …`, with the stack and causes only when verbose. */
export function printError(err: unknown, verbose: boolean, json: boolean): OodError {
  const error = toOodError(err);
  if (json) {
    process.stderr.write(`${JSON.stringify(convertKeys({ error: error.toJSON() }, snakeCaseKey))}\n`);
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
