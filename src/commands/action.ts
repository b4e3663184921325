import type { Command } from 'commander';
import type { Ctx } from '../context.js';
import { usageError } from '../errors.js';
import { checkOptions, readOptions, settingFlags, type OptionTable, type OptionValues } from './optionTable.js';
import type { RunCommand, Summary } from './types.js';

/**
 * A command's action over its option table: the configuration is resolved, the typed options read,
 * and every option check run (all problems at once, exit 2) before `body` starts any work.
 */
export function action<T extends OptionTable>(run: RunCommand, table: T, body: (o: OptionValues<T>, ctx: Ctx) => Promise<Summary>) {
  return async (_o: unknown, cmd: Command): Promise<void> => {
    const raw = cmd.optsWithGlobals();
    await run(settingFlags(table, raw), async (ctx) => {
      const o = readOptions(table, raw, ctx.config);
      const problems = checkOptions(table, o);
      if (problems.length === 1) throw usageError(problems[0]);
      if (problems.length > 1) throw usageError(`${problems.length} problems:\n  - ${problems.join('\n  - ')}`);
      return body(o, ctx);
    });
  };
}
