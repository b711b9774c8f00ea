#!/usr/bin/env node
// The `ood` command line: a thin yargs layer over the library API in src/index.ts.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { EXIT_CODES, OodError, isOodError } from '../errors.js';
import { printError } from './output.js';
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
    .option('quiet', {
      alias: 'q',
      type: 'boolean',
      description: 'Print only the result: no progress bars or notes on stderr',
      global: true,
    })
    .version(false)
    // No dot notation: `--force.0` (a typo) would become {force: {0: true}}, silently not --force; as an unknown
    // flag it is a usage error instead.
    .parserConfiguration({ 'dot-notation': false })
    .option('version', { type: 'boolean', description: 'Show the ood version', global: false })
    .strict()
    .demandCommand(1, 'Name a command; see ood --help.')
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns || 110))
    .epilogue(
      `Exit codes: 0 ok, ${EXIT_CODES.usage} usage error, ${EXIT_CODES.input} bad input, ` +
        `${EXIT_CODES.check} check failed, ${EXIT_CODES.remote} remote failure, ${EXIT_CODES.internal} internal bug.`,
    )
    .fail((message, err) => {
      // yargs' own parse errors (missing arguments, unknown flags, invalid choices) are usage errors too, and
      // print as every other error does: `Error:`/`Hint:` lines, or one JSON object with --json.
      const wantsJson = argv.includes('--json');
      if (err && !isOodError(err)) throw err;
      const named = argv.find((a) => !a.startsWith('-') && commands.some((c) => commandName(c) === a));
      const help = named ? `ood ${named} --help` : 'ood --help';
      const error =
        err ??
        unknownCommand(argv, named, message) ??
        new OodError('BAD_USAGE', message ?? 'invalid command line', {
          hint: `See \`${help}\` for the arguments and options.`,
        });
      printError(error, argv.includes('--verbose'), wantsJson);
      process.exit(error.exitCode);
    });
  for (const command of commands) parser.command(command);
  await parser.parseAsync();
}

/**
 * A first word that names no command. yargs says "Did you mean prepare?" (recommendCommands) or lists it among
 * "Unknown arguments", with any flag a command would have taken (`ood frobnicate --json` read "Unknown arguments:
 * json, frobnicate"); the error names the word, and the suggestion becomes the hint.
 */
function unknownCommand(argv: string[], named: string | undefined, message: string | undefined) {
  const first = argv.find((a) => !a.startsWith('-'));
  if (named !== undefined || first === undefined || !/^(Did you mean|Unknown arguments?:)/.test(message ?? ''))
    return undefined;
  const suggestion = message!.startsWith('Did you mean') ? `${message} ` : '';
  return new OodError('BAD_USAGE', `unknown command "${first}"`, {
    hint: `${suggestion}The commands: ${commands.map(commandName).join(', ')} (ood --help).`,
  });
}

function commandName(command: (typeof commands)[number]): string {
  const spec = Array.isArray(command.command) ? command.command[0] : command.command;
  return String(spec ?? '').split(' ')[0] ?? '';
}

await main(hideBin(process.argv));
