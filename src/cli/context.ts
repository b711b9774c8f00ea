// Glue between yargs handlers and the library: global options, and the one place that maps errors to exits.
import { EXIT_CODES } from '../errors.js';
import { printError } from './output.js';

/** Options every command accepts. */
export interface GlobalOptions {
  verbose?: boolean;
  json?: boolean;
  /** Print only the result: no progress bars or notes on stderr (errors and warnings still print). */
  quiet?: boolean;
}

/**
 * Run a command body. The body returns its exit code (0, or EXIT_CODES.check when checks failed); thrown
 * errors are printed as Error/Hint and mapped to their kind's exit code.
 */
export async function runCommand(options: GlobalOptions, body: () => Promise<number | void>): Promise<void> {
  try {
    const code = await body();
    process.exitCode = code ?? EXIT_CODES.ok;
  } catch (err) {
    const error = printError(err, options.verbose === true, options.json === true);
    process.exitCode = error.exitCode;
  }
}
