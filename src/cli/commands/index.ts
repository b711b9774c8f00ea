// Every command, in the order `ood --help` lists them. Each module lazily imports its implementation.
import type { CommandModule } from 'yargs';

export const commands: CommandModule<any, any>[] = [];
