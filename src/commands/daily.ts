import { join, resolve } from 'node:path';
import { dayArg, examples, intArg, numberArg } from './args.js';
import { withPipeline } from './pipeline.js';
import { scoreOptions } from './score.js';
import type { CommandDef } from './types.js';

export const dailyCommand: CommandDef = (program, run) => {
  program
    .command('daily')
    .description('the cron / Airflow entry point: build the marts of D-1, then score D (idempotent; one run per date at a time)')
    .requiredOption('--date <date>', 'the day to score', dayArg)
    .option('--model <uri>', 'model to score with (default: the champion, else the newest registered version)')
    .option('--threshold <t>', 'flag threshold (env FRAUDCTL_THRESHOLD, default 0.2)', numberArg(0, 1))
    .option('--top <k>', 'show the K riskiest transactions', intArg(0, 10_000), 10)
    .option('--delay <days>', 'label delay of the terminal mart (env FRAUDCTL_DELAY, default 7)', intArg(0, 365))
    .option('--allow-partial-history', 'build the marts even when their history window lacks days')
    .option('--tracking-uri <uri>', 'MLflow tracking URI (env MLFLOW_TRACKING_URI)')
    .option('--register <name>', 'registered model name (env FRAUDCTL_REGISTERED_MODEL)')
    .option('--threads <n>', 'threads (env FRAUDCTL_THREADS)', intArg(1, 256))
    .addHelpText(
      'after',
      examples('fraudctl daily --date 2025-03-21 --json', 'flock -n /run/lock/fraudctl-daily.lock fraudctl daily --date "$(date -d yesterday +%F)"') +
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
            const marts = await buildMartsForDay(db, lake, martDay, { delay: ctx.config.delay, allowPartialHistory: o.allowPartialHistory === true, overwrite: false, log: ctx.log });
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
