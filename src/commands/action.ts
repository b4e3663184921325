import type { Command } from 'commander';
import type { Ctx } from '../context.js';
import { usageError } from '../errors.js';
import { checkOptions, readOptions, settingFlags, type OptionTable, type OptionValues } from './optionTable.js';
import type { RunCommand, Summary } from './types.js';

/** Problems between options (e.g. --date or --from/--to, not both), checked with the table's own checks. */
export type CrossCheck<T extends OptionTable> = (o: OptionValues<T>, args: unknown[]) => (string | undefined)[];

/**
 * A command's action over its option table: the configuration is resolved, the typed options read,
 * and every option check run (all problems at once, exit 2) before `body` starts any work.
 * `args` are the command's positional arguments, as commander parsed them.
 */
export function action<T extends OptionTable>(
  run: RunCommand,
  table: T,
  body: (o: OptionValues<T>, ctx: Ctx, args: unknown[]) => Promise<Summary>,
  cross?: CrossCheck<T>,
  /** Settings the command fixes whatever the flags say (the demo's own lake and tracking store). */
  fixed?: (raw: Record<string, unknown>) => Record<string, unknown>,
) {
  return async (...given: unknown[]): Promise<void> => {
    // commander calls an action with (...arguments, opts, command).
    const cmd = given[given.length - 1] as Command;
    const args = given.slice(0, -2);
    const raw = cmd.optsWithGlobals();
    await run({ ...settingFlags(table, raw), ...fixed?.(raw) }, async (ctx) => {
      const o = readOptions(table, raw, ctx.config);
      const problems = [...checkOptions(table, o), ...(cross?.(o, args) ?? []).filter((p): p is string => p !== undefined)];
      if (problems.length === 1) throw usageError(problems[0]);
      if (problems.length > 1) throw usageError(`${problems.length} problems:\n  - ${problems.join('\n  - ')}`);
      return body(o, ctx, args);
    });
  };
}
