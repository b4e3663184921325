import { dayArg, examples, intArg, numberArg } from './args.js';
import { action } from './action.js';
import { coreDeps } from '../coreDeps.js';
import { addOptions, option, type OptionValues } from './optionTable.js';
import { withPipeline } from './pipeline.js';
import { TRAIN_OPTIONS } from './trainOptions.js';
import type { CommandDef } from './types.js';

const T = TRAIN_OPTIONS;

/** `fraudctl backtest`: its own window and forest flags; the settings and shared flags are train's rows. */
export const BACKTEST_OPTIONS = {
  from: option('--from <date>', 'first test day', dayArg, { required: true as const }),
  to: option('--to <date>', 'last test day', dayArg, { required: true as const }),
  step: option('--step <n>', 'days tested by each model (a model is trained every N days)', intArg(1, 366), { default: 1 }),
  days: option('--days <n>', 'train days of each model', intArg(1, 366), { default: 7 }),
  gap: { ...T.gap, help: 'days between the last train day and the first test day (default: the label delay, --delay)' },
  trees: option('--trees <n>', 'number of trees', intArg(1, 5000), { default: 100 }),
  depth: option('--depth <n>', 'maximum depth', intArg(1, 64), { default: 20 }),
  sample: option('--sample <fraction>', 'fraction of train rows each model draws', numberArg(0, 1, { exclusiveMin: true }), { default: 1 }),
  minSamplesLeaf: T.minSamplesLeaf,
  seed: { ...T.seed, help: 'seed of sampling and forests' },
  k: T.k,
  bootstrap: option('--bootstrap <n>', 'bootstrap resamples of the AP interval of each day (0: none)', intArg(0, 100_000), { default: 200 }),
  keepKnownCompromised: { ...T.keepKnownCompromised, help: 'do not drop cards already known compromised from the metrics' },
  threshold: T.threshold,
  beta: T.beta,
  delay: T.delay,
  features: T.features,
  buildMarts: T.buildMarts,
  allowPartialHistory: T.allowPartialHistory,
  experiment: T.experiment,
  trackingUri: T.trackingUri,
  threads: T.threads,
};

export type BacktestCommandOptions = OptionValues<typeof BACKTEST_OPTIONS>;

export const backtestCommand: CommandDef = (program, run) => {
  addOptions(
    program
      .command('backtest')
      .description('prequential evaluation: for each day (or --step days) from --from to --to, train on the window before it (respecting the label delay) and test on it'),
    BACKTEST_OPTIONS,
  )
    .addHelpText(
      'after',
      examples(
        'fraudctl backtest --from 2018-08-08 --to 2018-08-14',
        'fraudctl backtest --from 2018-08-01 --to 2018-08-28 --step 7 --days 14 --json',
        'fraudctl backtest --from 2018-08-08 --to 2018-08-14 --features seed',
      ) +
        '\nStep s tests days F+s·step … and trains on the --days days ending --gap days before its first day.\n' +
        'One MLflow parent run, one child run per step; --json prints one object per day in "days".\n',
    )
    .action(
      action(
        run,
        BACKTEST_OPTIONS,
        async (o, ctx) => {
          // The spec is read and validated before any work (a bad file is exit 2).
          const { loadFeatureSpec } = await import('../features/loadFeatureSpec.js');
          const featureSpec = await loadFeatureSpec(o.features);
          return withPipeline(ctx, { tracker: true }, async ({ lake, db, tracker }) => {
            const { backtest } = await import('../backtest/runBacktest.js');
            const { printBacktestSummary } = await import('./backtestReport.js');
            const { experimentRef } = await import('../mlflow/experiment.js');
            const summary = await backtest({ ...o, experimentRef: experimentRef(ctx.config, ctx.resolved.sources.experiment?.source), featureSpec, dropKnownCompromised: !o.keepKnownCompromised }, { ...coreDeps(ctx), lake, db, tracker: tracker! });
            printBacktestSummary(ctx.out, summary);
            return summary;
          });
        },
        (o) => [o.to < o.from ? `--to ${o.to} is before --from ${o.from}` : undefined],
      ),
    );
};
