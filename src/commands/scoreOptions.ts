import { outFormat } from '../score/writeScores.js';
import { dayArg, intArg } from './args.js';
import { option, problemOf, setting, toggle, type OptionValues } from './optionTable.js';
import { parseModelUri } from '../mlflow/modelUri.js';
import { checkFileTarget } from './pathChecks.js';
import { modelNameProblem, TRAIN_OPTIONS } from './trainOptions.js';
import { FEATURES_FLAG, FEATURES_HELP } from '../features/featuresOption.js';

/** A model URI's form (models:/…, runs:/…, a path), checked before any work. */
export const modelUriProblem = problemOf(parseModelUri);

/** The options `score` and `daily` share (both score day D). */
export const SCORING_OPTIONS = {
  date: option('--date <date>', 'the day to score', dayArg, { required: true as const }),
  model: option('--model <uri>', 'PATH | models:/NAME@ALIAS | models:/NAME/VERSION | runs:/RUN_ID/model (default: the champion, else the newest registered version)', String, {
    check: modelUriProblem,
  }),
  threshold: setting('threshold', { help: 'flag transactions with a score >= t' }),
  top: option('--top <k>', 'show the K riskiest transactions', intArg(0, 10_000), { default: 10 }),
  beta: { ...TRAIN_OPTIONS.beta, help: 'beta of F-beta in the monitoring metrics' },
  delay: setting('delay'),
  allowPartialHistory: TRAIN_OPTIONS.allowPartialHistory,
  features: option(FEATURES_FLAG, `${FEATURES_HELP}; it must be the model's own spec (by default the model's spec is used)`, String),
  trackingUri: setting('trackingUri'),
  registeredModel: setting('registeredModel', { help: 'registered model name for the default model', check: modelNameProblem }),
  threads: setting('threads'),
  explain: toggle('--explain', 'add the top 3 reasons (exact TreeSHAP) of each flagged transaction to the scores partition: reason_N_feature, reason_N_value, reason_N_contribution (null when not flagged)'),
};

function scoresFileProblem(path: string): string | undefined {
  if (!outFormat(path)) return `must end in .parquet, .csv or .json, got '${path}'`;
  return checkFileTarget(path);
}

/** `fraudctl score`: the shared scoring options plus its own. */
export const SCORE_OPTIONS = {
  ...SCORING_OPTIONS,
  out: option('--out <file>', 'also write the scores to FILE.parquet, .csv or .json', String, { check: scoresFileProblem }),
  buildMarts: toggle('--no-build-marts', 'fail (exit 3) when the marts of D-1 are missing instead of building them'),
};

export type ScoreOptions = OptionValues<typeof SCORE_OPTIONS>;
