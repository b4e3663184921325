import { configCommand } from './config.js';
import { martsCommand } from './marts.js';
import type { CommandDef } from './types.js';

/** Every subcommand, in the order `fraudctl --help` lists them. */
export const COMMANDS: CommandDef[] = [configCommand, martsCommand];
