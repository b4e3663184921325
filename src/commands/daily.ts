import { join, resolve } from 'node:path';
import { Option } from 'commander';
import { ENGINE_FLAGS, openMartEngine } from '../spark/openMartEngine.js';
import { examples } from './args.js';
import { withPipeline } from './pipeline.js';
import { addScoringOptions, scoreOptions } from './score.js';
import type { CommandDef } from './types.js';

export const dailyCommand: CommandDef = (program, run) => {
  addScoringOptions(
    program
      .command('daily')
      .description('the cron / Airflow entry point: build the marts of D-1, then score D (idempotent; one run per date at a time)'),
  )
    .addOption(new Option(...ENGINE_FLAGS.engine).choices(['duckdb', 'spark']))
    .option(...ENGINE_FLAGS.sparkRemote)
    .addHelpText(
      'after',
      examples('fraudctl daily --date 2025-03-21 --json', 'fraudctl daily --date 2025-03-21 --engine spark --spark-remote sc://spark-master:15002', 'flock -n /run/lock/fraudctl-daily.lock fraudctl daily --date "$(date -d yesterday +%F)"') +
        '\nA second run of the same date while one is running is refused (exit 4); a lock left by a dead process is taken over.\n',
    )
    .action(async (_o, cmd) => {
      const o = cmd.optsWithGlobals();
      await run(o, async (ctx) => {
        const { acquireLock } = await import('../util/lock.js');
        const { addDays } = await import('../util/dates.js');
        const lock = await acquireLock(join(resolve(ctx.runEnv.cwd, ctx.config.cacheDir), 'locks', `daily-${o.date}.lock`), `fraudctl daily --date ${o.date}`, ctx.log);
        try {
          return await withPipeline(ctx, { tracker: true }, async ({ lake, db, tracker }) => {
            const { buildMartsForDay } = await import('../features/marts.js');
            const { score } = await import('../score/runScore.js');
            const martDay = addDays(o.date, -1);
            const engine = await openMartEngine(ctx.config, db, lake, ctx.log, ctx.signal);
            const marts = await buildMartsForDay(db, lake, martDay, { delay: ctx.config.delay, allowPartialHistory: o.allowPartialHistory === true, overwrite: false, log: ctx.log, engine }).finally(() => engine.close?.());
            ctx.out.line(`Marts of ${martDay}: ${marts.skipped ? 'already built' : `built (${marts.customers} customers, ${marts.terminals} terminals)`}.`);
            const scored = await score(scoreOptions({ ...o, buildMarts: false }, ctx), ctx, { lake, db, tracker: tracker! });
            return { date: o.date, marts: { day: martDay, skipped: marts.skipped, missingHistory: marts.missingHistory }, score: scored };
          });
        } finally {
          await lock.release();
        }
      });
    });
};
