import { examples } from './args.js';
import { action } from './action.js';
import { addOptions } from './optionTable.js';
import { withPipeline } from './pipeline.js';
import { coreDeps } from '../coreDeps.js';
import { TRAIN_OPTIONS } from './trainOptions.js';
import type { CommandDef } from './types.js';

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
        'fraudctl train --days 7 --gap 1 --max-evals 20 --startup-trials 5 --trees 100:400 --depth 6:16',
        'MLFLOW_TRACKING_URI=http://mlflow:8000 fraudctl train --days 3 --test-day 2025-03-20 --promote --json',
        'fraudctl train --days 3 --test-day 2025-03-20 --features seed',
      ) +
        '\nTrain days are T-gap-days … T-gap-1 for test day T (--days 3 --gap 1 --test-day 2025-03-10 trains on the 6th, 7th and 8th).\n' +
        'Every day is joined with the marts of its previous day; missing marts are built first unless --no-build-marts.\n',
    )
    .action(
      action(run, TRAIN_OPTIONS, async (o, ctx) => {
        // The spec is read and validated before any work (a bad file is exit 2).
        const { loadFeatureSpec } = await import('../features/loadFeatureSpec.js');
        const featureSpec = await loadFeatureSpec(o.features);
        return withPipeline(ctx, { tracker: true }, async ({ lake, db, tracker }) => {
          const { train } = await import('../train/runTrain.js');
          const { printTrainSummary } = await import('./trainReport.js');
          const summary = await train({ ...o, featureSpec }, { ...coreDeps(ctx), lake, db, tracker: tracker! });
          printTrainSummary(ctx.out, summary, o);
          return summary;
        });
      }),
    );
};
