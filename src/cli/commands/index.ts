// Every command, in the order `ood --help` lists them. Each module lazily imports its implementation.
import type { CommandModule } from 'yargs';
import { pushCommand } from './push.js';
import { pullCommand } from './pull.js';
import { lsCommand } from './ls.js';
import { evaluateCommand } from './evaluate.js';

export const commands: CommandModule<any, any>[] = [
  evaluateCommand,
  pushCommand,
  pullCommand,
  lsCommand,
];
