#!/usr/bin/env node
// The `ood` command line: a thin yargs layer over the library API in src/index.ts.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { EXIT_CODES } from '../errors.js';
import { OOD_VERSION } from '../version.js';
import { commands } from './commands/index.js';

export async function main(argv: string[]): Promise<void> {
  // `--version` belongs to ood alone: yargs' built-in flag is global, so `prepare --version 1.0` would print
  // ood's version and silently do nothing. Here it is top-level only; a command rejects it as unknown.
  if (argv.length === 1 && argv[0] === '--version') {
    process.stdout.write(`${OOD_VERSION}\n`);
    return;
  }
  const parser = yargs(argv)
    .scriptName('ood')
    .usage('$0 <command> [options]\n\nShip ONNX models with a certainty score.')
    .option('verbose', { type: 'boolean', description: 'Show stack traces and debug output', global: true })
    .version(false)
    .option('version', { type: 'boolean', description: 'Show the ood version', global: false })
    .strict()
    .demandCommand(1, 'Name a command; see ood --help.')
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns || 110))
    .epilogue(
      `Exit codes: 0 ok, ${EXIT_CODES.usage} usage error, ${EXIT_CODES.input} bad input, ` +
        `${EXIT_CODES.check} check failed, ${EXIT_CODES.remote} remote failure, ${EXIT_CODES.internal} internal bug.`,
    )
    .fail((message, err, y) => {
      if (err) throw err;
      process.stderr.write(`Error: ${message}\nUsage: see \`ood --help\`\n`);
      void y;
      process.exit(EXIT_CODES.usage);
    });
  for (const command of commands) parser.command(command);
  await parser.parseAsync();
}

await main(hideBin(process.argv));
