import { coreDeps } from '../coreDeps.js';
import { action } from './action.js';
import { examples } from './args.js';
import { addOptions } from './optionTable.js';
import { ENGINE_OPTIONS, engineProblem } from './engineOptions.js';
import { withPipeline } from './pipeline.js';
import { SCORING_OPTIONS } from './scoreOptions.js';
import { FULL_OPTION } from './marts.js';
import type { CommandDef } from './types.js';

/** daily's options: score's, and where the marts of D-1 are built. */
const DAILY_OPTIONS = { ...SCORING_OPTIONS, ...ENGINE_OPTIONS, ...FULL_OPTION };

export const dailyCommand: CommandDef = (program, run) => {
  addOptions(
    program
      .command('daily')
      .description('the cron / Airflow entry point: build the marts of D-1, then score D (idempotent; one run per date at a time)'),
    DAILY_OPTIONS,
  )
    .addHelpText(
      'after',
      examples('fraudctl daily --date 2025-03-21 --json', 'fraudctl daily --date 2025-03-21 --engine spark --spark-remote sc://spark-master:15002', 'flock -n /run/lock/fraudctl-daily.lock fraudctl daily --date "$(date -d yesterday +%F)"') +
        '\nThe marts of D-1 are carried forward from the window state of D-2 when it exists and is current (the same bytes as the full builder; see `fraudctl marts build --help`); --full forces the full builder. The --json summary says which ran and why (marts.builder, marts.reason), and which window states too old for any later day were removed (marts.prunedStates).\n' +
        'A second run of the same date while one is running is refused (exit 4); a lock left by a dead process is taken over.\n',
    )
    .action(
      action(run, DAILY_OPTIONS, async (o, ctx) => {
        const { addDays } = await import('../util/dates.js');
        const { loadFeatureSpec } = await import('../features/loadFeatureSpec.js');
        const featureSpec = o.features ? await loadFeatureSpec(o.features) : undefined;
        return await withPipeline(ctx, { tracker: true }, async ({ lake, db, tracker }) => {
          // The lock lives in the lake: two working directories or two VMs on one lake exclude each other, two lakes do not.
          const lock = await lake.lock(`daily-${o.date}`, `fraudctl daily --date ${o.date} on ${lake.uri}`, ctx.log);
          try {
            const { buildMartsForDay } = await import('../features/marts.js');
            const { score, resolveScoringModel } = await import('../score/runScore.js');
            const { printScoreSummary } = await import('./scoreReport.js');
            const martDay = addDays(o.date, -1);
            const opts = { ...o, buildMarts: false, out: undefined, cacheDir: ctx.config.cacheDir, featureSpec };
            // The marts of the model's own spec and delay (the model carries them).
            const { spec, delay } = await resolveScoringModel(opts, tracker!, ctx.log);
            const { openMartEngine } = await import('../spark/openMartEngine.js');
            const engine = await openMartEngine(o, db, lake, ctx.log, ctx.signal);
            const martsStarted = performance.now();
            const marts = await buildMartsForDay(db, lake, martDay, { spec, delay, allowPartialHistory: o.allowPartialHistory, overwrite: false, full: o.full, log: ctx.log, engine }).finally(() => engine.close?.());
            const martsSeconds = +((performance.now() - martsStarted) / 1000).toFixed(3);
            ctx.out.line(`Marts of ${martDay} (spec ${spec.name}): ${marts.skipped ? 'already built' : `built (${marts.customers} customers, ${marts.terminals} terminals; ${marts.builder} builder${marts.builder === 'full' ? `: ${marts.reason}` : ''})`}.`);
            const scored = await score(opts, { ...coreDeps(ctx), lake, db, tracker: tracker! });
            printScoreSummary(ctx.out, scored, o);
            return { date: o.date, marts: { day: martDay, spec: spec.name, specHash: spec.hash, delay, skipped: marts.skipped, builder: marts.builder, reason: marts.reason, missingHistory: marts.missingHistory, prunedStates: marts.prunedStates, seconds: martsSeconds }, score: scored };
          } finally {
            await lock.release();
          }
        });
      }, (o) => [engineProblem(o)]),
    );
};
