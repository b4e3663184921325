import type { Command } from 'commander';
import type { Ctx } from '../context.js';

/** What every command returns: printed as the last stdout line with --json. */
export type Summary = Record<string, unknown>;

/** Runs a command body with a fresh context; `opts` are the command's options merged with globals. */
export type RunCommand = (opts: Record<string, unknown>, body: (ctx: Ctx) => Promise<Summary>) => Promise<void>;

export type CommandDef = (program: Command, run: RunCommand) => void;
