import { dayArg, examples, intArg, numberArg } from './args.js';
import { withPipeline } from './pipeline.js';
import type { CommandDef } from './types.js';

export const backtestCommand: CommandDef = (program, run) => {
  program
    .command('backtest')
    .description('prequential evaluation: for each day (or --step days) from --from to --to, train on the window before it (respecting the label delay) and test on it')
    .requiredOption('--from <date>', 'first test day', dayArg)
    .requiredOption('--to <date>', 'last test day', dayArg)
    .option('--step <n>', 'days tested by each model (a model is trained every N days)', intArg(1, 366), 1)
    .option('--days <n>', 'train days of each model', intArg(1, 366), 7)
    .option('--gap <n>', 'days between the last train day and the first test day (default: the label delay, --delay)', intArg(0, 366))
    .option('--trees <n>', 'number of trees', intArg(1, 5000), 100)
    .option('--depth <n>', 'maximum depth', intArg(1, 64), 20)
    .option('--sample <fraction>', 'fraction of train rows each model draws', numberArg(0, 1, { exclusiveMin: true }), 1)
    .option('--min-samples-leaf <n>', 'minimum rows in a leaf', intArg(1, 1_000_000), 1)
    .option('--seed <n>', 'seed of sampling and forests', intArg(0, 2 ** 31 - 1), 42)
    .option('--k <n>', 'k of card and transaction precision@k', intArg(1, 1_000_000), 100)
    .option('--bootstrap <n>', 'bootstrap resamples of the AP interval of each day (0: none)', intArg(0, 100_000), 200)
    .option('--keep-known-compromised', 'do not drop cards already known compromised from the metrics')
    .option('--threshold <t>', 'score threshold of the threshold metrics (env FRAUDCTL_THRESHOLD, default 0.2)', numberArg(0, 1))
    .option('--beta <b>', 'beta of F-beta', numberArg(0, 100, { exclusiveMin: true }), 1.5)
    .option('--delay <days>', 'label delay (env FRAUDCTL_DELAY, default 7)', intArg(0, 365))
    .option('--no-build-marts', 'fail (exit 3) when a needed mart is missing instead of building it')
    .option('--allow-partial-history', 'build missing marts even when their history window lacks days')
    .option('--experiment <name>', 'MLflow experiment (env MLFLOW_EXPERIMENT_NAME, default fraudctl)')
    .option('--tracking-uri <uri>', 'MLflow: directory (embedded) or http(s)://server (env MLFLOW_TRACKING_URI, default ./mlruns)')
    .option('--threads <n>', 'worker threads (env FRAUDCTL_THREADS, default: cores)', intArg(1, 256))
    .addHelpText(
      'after',
      examples('fraudctl backtest --from 2018-08-08 --to 2018-08-14', 'fraudctl backtest --from 2018-08-01 --to 2018-08-28 --step 7 --days 14 --json') +
        '\nStep s tests days F+s·step … and trains on the --days days ending --gap days before its first day.\n' +
        'One MLflow parent run, one child run per step; --json prints one object per day in "days".\n',
    )
    .action(async (_o, cmd) => {
      const o = cmd.optsWithGlobals();
      await run(o, (ctx) =>
        withPipeline(ctx, { tracker: true }, async ({ lake, db, tracker }) => {
          const { backtest } = await import('../backtest/runBacktest.js');
          return backtest(
            {
              from: o.from,
              to: o.to,
              step: o.step,
              days: o.days,
              gap: o.gap,
              trees: o.trees,
              depth: o.depth,
              sample: o.sample,
              minSamplesLeaf: o.minSamplesLeaf,
              seed: o.seed,
              threshold: ctx.config.threshold,
              beta: o.beta,
              k: o.k,
              bootstrap: o.bootstrap,
              dropKnownCompromised: o.keepKnownCompromised !== true,
              delay: ctx.config.delay,
              buildMarts: o.buildMarts !== false,
              allowPartialHistory: o.allowPartialHistory === true,
              experiment: ctx.config.experiment,
              threads: ctx.config.threads,
            },
            ctx,
            { lake, db, tracker: tracker! },
          );
        }),
      );
    });
};
