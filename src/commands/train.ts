import { Option } from 'commander';
import { choiceArg, dayArg, examples, intArg, numberArg, rangeArg } from './args.js';
import type { CommandDef } from './types.js';
import { withPipeline } from './pipeline.js';

export const trainCommand: CommandDef = (program, run) => {
  program
    .command('train')
    .description('train a random forest on a strict time split with a TPE search; every trial is an MLflow run, the best model is registered')
    .option('--days <n>', 'number of consecutive train days', intArg(1, 366), 3)
    .option('--test-day <date>', 'the fixed test day (default: the latest day with transactions)', dayArg)
    .option('--gap <n>', 'days skipped between the last train day and the test day', intArg(0, 366), 1)
    .option('--sample <fraction>', 'fraction of train rows each trial draws (seeded by --seed and the trial number)', numberArg(0, 1, { exclusiveMin: true }), 0.5)
    .option('--negative-sample <fraction>', 'keep every fraud and this seeded fraction of genuine train rows (scores are recalibrated; the test day is never subsampled)', numberArg(0, 1, { exclusiveMin: true }), 1)
    .option('--max-evals <n>', 'number of trials', intArg(1, 1000), 5)
    .option('--startup-trials <n>', "random trials before TPE starts (hyperopt's default of 20 would make a 5-trial search purely random)", intArg(0, 1000), 2)
    .option('--trees <lo:hi>', 'range of the number of trees', rangeArg(1, 5000), [50, 300])
    .option('--depth <lo:hi>', 'range of the maximum depth', rangeArg(1, 64), [4, 20])
    .addOption(new Option('--search <algo>', 'tpe or random').argParser(choiceArg(['tpe', 'random'] as const)).default('tpe'))
    .option('--seed <n>', 'seed of sampling, search and forests', intArg(0, 2 ** 31 - 1), 42)
    .option('--threshold <t>', 'score threshold of the threshold metrics (env FRAUDCTL_THRESHOLD, default 0.2)', numberArg(0, 1))
    .option('--beta <b>', 'beta of F-beta (recall weighs more when > 1)', numberArg(0, 100, { exclusiveMin: true }), 1.5)
    .option('--delay <days>', 'label delay of the terminal mart (env FRAUDCTL_DELAY, default 7)', intArg(0, 365))
    .option('--min-samples-leaf <n>', 'minimum rows in a leaf', intArg(1, 1_000_000), 1)
    .option('--no-build-marts', 'fail (exit 3) when a needed mart is missing instead of building it')
    .option('--allow-partial-history', 'build missing marts even when their history window lacks days (the first 37 days of a lake)')
    .option('--experiment <name>', 'MLflow experiment (env MLFLOW_EXPERIMENT_NAME, default fraudctl)')
    .option('--tracking-uri <uri>', 'MLflow: directory / file:// URI (embedded) or http(s)://server (env MLFLOW_TRACKING_URI, default ./mlruns)')
    .option('--register <name>', 'registered model name (env FRAUDCTL_REGISTERED_MODEL, default fraud-detector)')
    .option('--no-register', 'do not register the best model')
    .option('--promote', "move the 'champion' alias to the new version when its test ROC AUC beats the champion's on the same test day")
    .option('--threads <n>', 'worker threads (env FRAUDCTL_THREADS, default: cores)', intArg(1, 256))
    .option('--out <dir>', 'also copy the best model directory here')
    .addHelpText(
      'after',
      examples(
        'fraudctl train --days 3 --test-day 2025-03-20',
        'fraudctl train --days 7 --gap 1 --max-evals 20 --startup-trials 5 --trees 100:400 --depth 6:16',
        'MLFLOW_TRACKING_URI=http://mlflow:8000 fraudctl train --days 3 --test-day 2025-03-20 --promote --json',
      ) +
        '\nTrain days are T-gap-days … T-gap-1 for test day T (--days 3 --gap 1 --test-day 2025-03-10 trains on the 6th, 7th and 8th).\n' +
        'Every day is joined with the marts of its previous day; missing marts are built first unless --no-build-marts.\n',
    )
    .action(async (_o, cmd) => {
      const o = cmd.optsWithGlobals();
      // --register NAME sets the name (config key registeredModel); --no-register turns registration off.
      const register = o.register !== false;
      await run({ ...o, register: typeof o.register === 'string' ? o.register : undefined }, (ctx) =>
        withPipeline(ctx, { tracker: true }, async ({ lake, db, tracker }) => {
          const { train } = await import('../train/runTrain.js');
          return train(
            {
              days: o.days,
              testDay: o.testDay,
              gap: o.gap,
              sample: o.sample,
              negativeSample: o.negativeSample,
              maxEvals: o.maxEvals,
              startupTrials: o.startupTrials,
              trees: o.trees,
              depth: o.depth,
              search: o.search,
              seed: o.seed,
              threshold: ctx.config.threshold,
              beta: o.beta,
              delay: ctx.config.delay,
              minSamplesLeaf: o.minSamplesLeaf,
              buildMarts: o.buildMarts !== false,
              allowPartialHistory: o.allowPartialHistory === true,
              experiment: ctx.config.experiment,
              registeredModel: ctx.config.registeredModel,
              register,
              promote: o.promote === true,
              threads: ctx.config.threads,
              out: o.out,
            },
            ctx,
            { lake, db, tracker: tracker! },
          );
        }),
      );
    });
};
