import { validateModelName } from '../mlflow/fileStore/validate.js';
import { choiceArg, dayArg, intArg, numberArg, rangeArg } from './args.js';
import { option, problemOf, setting, toggle, type OptionValues } from './optionTable.js';
import { checkDirTarget } from './pathChecks.js';
import { FEATURES_FLAG, FEATURES_HELP } from '../features/featuresOption.js';

/** Problem of a registered model name, checked before any work (the registry would refuse it after the search). */
export const modelNameProblem = problemOf(validateModelName);

/** `fraudctl train`: every option once (see optionTable.ts). */
export const TRAIN_OPTIONS = {
  days: option('--days <n>', 'number of consecutive train days', intArg(1, 366), { default: 3 }),
  testDay: option('--test-day <date>', 'the fixed test day (default: the latest day with transactions)', dayArg),
  gap: option('--gap <n>', 'days between a train window and the window it is evaluated on (default: the label delay, --delay)', intArg(0, 366)),
  validationDays: option('--validation-days <n>', 'days of the validation window the search optimises on', intArg(1, 366), { default: 1 }),
  testDays: option('--test-days <n>', 'days of the test window (metrics per day and pooled)', intArg(1, 366), { default: 1 }),
  keepKnownCompromised: toggle('--keep-known-compromised', 'do not drop cards already known compromised from validation and test metrics'),
  k: option('--k <n>', 'k of card and transaction precision@k', intArg(1, 1_000_000), { default: 100 }),
  bootstrap: option('--bootstrap <n>', 'bootstrap resamples of the 95 % interval of average precision (0: none)', intArg(0, 100_000), { default: 1000 }),
  alpha: option('--alpha <p>', 'significance level of the paired promotion test', numberArg(0, 1, { exclusiveMin: true }), { default: 0.05 }),
  sample: option('--sample <fraction>', 'fraction of train rows each trial draws (seeded by --seed and the trial number)', numberArg(0, 1, { exclusiveMin: true }), { default: 0.5 }),
  negativeSample: option('--negative-sample <fraction>', 'keep every fraud and this seeded fraction of genuine train rows (scores are recalibrated; the test day is never subsampled)', numberArg(0, 1, { exclusiveMin: true }), { default: 1 }),
  maxEvals: option('--max-evals <n>', 'number of trials', intArg(1, 1000), { default: 5 }),
  startupTrials: option('--startup-trials <n>', "random trials before TPE starts (hyperopt's default of 20 would make a 5-trial search purely random)", intArg(0, 1000), { default: 2 }),
  trees: option('--trees <lo:hi>', 'range of the number of trees', rangeArg(1, 5000), { default: [50, 300] as [number, number] }),
  depth: option('--depth <lo:hi>', 'range of the maximum depth', rangeArg(1, 64), { default: [4, 20] as [number, number] }),
  search: option('--search <algo>', 'tpe or random', choiceArg(['tpe', 'random'] as const), { default: 'tpe' as 'tpe' | 'random', choices: ['tpe', 'random'] }),
  seed: option('--seed <n>', 'seed of sampling, search and forests', intArg(0, 2 ** 31 - 1), { default: 42 }),
  threshold: setting('threshold', { help: 'score threshold of the threshold metrics' }),
  beta: option('--beta <b>', 'beta of F-beta (recall weighs more when > 1)', numberArg(0, 100, { exclusiveMin: true }), { default: 1.5 }),
  delay: setting('delay'),
  features: option(FEATURES_FLAG, FEATURES_HELP, String),
  minSamplesLeaf: option('--min-samples-leaf <n>', 'minimum rows in a leaf', intArg(1, 1_000_000), { default: 1 }),
  buildMarts: toggle('--no-build-marts', 'fail (exit 3) when a needed mart is missing instead of building it'),
  allowPartialHistory: toggle('--allow-partial-history', 'build missing marts even when their history window lacks days (the first 30 + delay days of a lake)'),
  experiment: setting('experiment'),
  trackingUri: setting('trackingUri'),
  // --register NAME sets the name (config key registeredModel); --no-register turns registration off.
  registeredModel: setting('registeredModel', { check: modelNameProblem }),
  register: toggle('--no-register', 'do not register the best model'),
  promote: toggle('--promote', "move the 'champion' alias to the new version when DeLong's paired test on the same test rows says so (README: Promotion)"),
  threads: setting('threads'),
  out: option('--out <dir>', 'also copy the best model directory here', String, { check: checkDirTarget }),
};

export type TrainOptions = OptionValues<typeof TRAIN_OPTIONS>;
