import { examples } from './args.js';
import { action } from './action.js';
import { addOptions, defaultOptions, defaultSettings } from './optionTable.js';
import { withPipeline } from './pipeline.js';
import { coreDeps } from '../coreDeps.js';
import { TRAIN_OPTIONS } from './trainOptions.js';
import type { CommandDef } from './types.js';
import { describeTimeline, planTimeline } from '../model/timeSplit.js';

/**
 * The timeline with dates for the flags given with --help (commander has parsed them by then);
 * without --test-day it is drawn for an example day. Unset flags take the table's defaults; the
 * delay shown is --delay or the setting's default (--help reads no environment).
 */
function timelineHelp(o: Record<string, unknown>): string {
  const d = defaultOptions(TRAIN_OPTIONS, defaultSettings());
  const given = { ...d, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) } as typeof d;
  const testDay = given.testDay ?? '2025-03-20';
  try {
    const t = planTimeline({ testDay, days: given.days, gap: given.gap ?? given.delay, validationDays: given.validationDays, testDays: given.testDays });
    const note = o.testDay ? '' : ` (for --test-day ${testDay}; pass your flags with --help to see yours)`;
    return `Timeline: train | gap | validation | gap | test${note}, delay ${given.delay}:\n${describeTimeline(t, given.delay).join('\n')}\n`;
  } catch {
    return '';
  }
}

export const trainCommand: CommandDef = (program, run) => {
  addOptions(
    program
      .command('train')
      .description('train a random forest on a strict time split with a TPE search; every trial is an MLflow run, the best model is registered'),
    TRAIN_OPTIONS,
  )
    .addHelpText(
      'after',
      examples(
        'fraudctl train --days 3 --test-day 2025-03-20',
        'fraudctl train --days 7 --validation-days 7 --test-days 7 --test-day 2018-08-08 --max-evals 20 --trees 100:400 --depth 6:16',
        'MLFLOW_TRACKING_URI=http://mlflow:8000 fraudctl train --days 3 --test-day 2025-03-20 --promote --json',
        'fraudctl train --days 3 --test-day 2025-03-20 --features seed',
      ) + '\nEvery day is joined with the marts of its previous day; missing marts are built first unless --no-build-marts.\n',
    )
    .addHelpText('after', (context) => timelineHelp(context.command.opts()))
    .action(
      action(run, TRAIN_OPTIONS, async (o, ctx) => {
        // The spec is read and validated before any work (a bad file is exit 2).
        const { loadFeatureSpec } = await import('../features/loadFeatureSpec.js');
        const featureSpec = await loadFeatureSpec(o.features);
        return withPipeline(ctx, { tracker: true }, async ({ lake, db, tracker }) => {
          const { train } = await import('../train/runTrain.js');
          const { printTrainSummary } = await import('./trainReport.js');
          const { experimentRef } = await import('../mlflow/experiment.js');
          const summary = await train({ ...o, experimentRef: experimentRef(ctx.config, ctx.resolved.sources.experiment?.source), featureSpec, dropKnownCompromised: !o.keepKnownCompromised, cacheDir: ctx.config.cacheDir }, { ...coreDeps(ctx), lake, db, tracker: tracker! });
          printTrainSummary(ctx.out, summary, o);
          return summary;
        });
      }),
    );
};
