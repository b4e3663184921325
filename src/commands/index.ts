import { configCommand } from './config.js';
import { martsCommand } from './marts.js';
import { lakeCommand } from './lake.js';
import { simulateCommand } from './simulate.js';
import { mlflowCommand } from './mlflow.js';
import { ingestCommand } from './ingest.js';
import type { CommandDef } from './types.js';

/** Every subcommand, in the order `fraudctl --help` lists them. */
export const COMMANDS: CommandDef[] = [configCommand, martsCommand, simulateCommand, ingestCommand, lakeCommand, mlflowCommand];
