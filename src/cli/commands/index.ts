// Every command, in the order `ood --help` lists them. Each module lazily imports its implementation.
import type { CommandModule } from 'yargs';
import { enableCommand } from './enable.js';
import { prepareCommand } from './prepare.js';
import { introspectCommand } from './introspect.js';
import { inspectCommand } from './inspect.js';
import { pushCommand } from './push.js';
import { pullCommand } from './pull.js';
import { lsCommand } from './ls.js';
import { rmCommand } from './rm.js';
import { evaluateCommand } from './evaluate.js';
import { serveCommand } from './serve.js';
import { verifyCommand } from './verify.js';
import { exportCommand } from './export.js';
import { deployCommand } from './deploy.js';
import { imageCommand } from './image.js';

// Each command has its own argument type; yargs' registry holds them side by side.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [
  enableCommand,
  prepareCommand,
  introspectCommand,
  inspectCommand,
  evaluateCommand,
  serveCommand,
  verifyCommand,
  pushCommand,
  pullCommand,
  lsCommand,
  rmCommand,
  exportCommand,
  deployCommand,
  imageCommand,
];
