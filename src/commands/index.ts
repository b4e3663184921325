import { backtestCommand } from './backtest.js';
import { configCommand } from './config.js';
import { dailyCommand } from './daily.js';
import { demoCommand } from './demo.js';
import { ingestCommand } from './ingest.js';
import { lakeCommand } from './lake.js';
import { martsCommand } from './marts.js';
import { mlflowCommand } from './mlflow.js';
import { explainCommand } from './explain.js';
import { reportCommand } from './report.js';
import { scoreCommand } from './score.js';
import { simulateCommand } from './simulate.js';
import { trainCommand } from './train.js';
import type { CommandDef } from './types.js';

/** Every subcommand, in the order `fraudctl --help` lists them. */
export const COMMANDS: CommandDef[] = [
  demoCommand,
  simulateCommand,
  ingestCommand,
  lakeCommand,
  martsCommand,
  trainCommand,
  backtestCommand,
  scoreCommand,
  explainCommand,
  reportCommand,
  dailyCommand,
  mlflowCommand,
  configCommand,
];
