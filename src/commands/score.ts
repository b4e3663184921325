import type { Command } from 'commander';
import { dayArg, examples, intArg, numberArg } from './args.js';
import { withPipeline } from './pipeline.js';
import type { CommandDef } from './types.js';
import type { Ctx } from '../context.js';
import { FEATURES_FLAG, FEATURES_HELP } from '../features/featuresOption.js';

export interface ScoreFlags {
  date: string;
  model?: string;
  top?: number;
  out?: string;
  beta?: number;
  buildMarts?: boolean;
  allowPartialHistory?: boolean;
}

export function scoreOptions(o: ScoreFlags, ctx: Ctx) {
  return {
    date: o.date,
    model: o.model,
    threshold: ctx.config.threshold,
    beta: o.beta ?? 1.5,
    top: o.top ?? 10,
    out: o.out,
    buildMarts: o.buildMarts !== false,
    allowPartialHistory: o.allowPartialHistory === true,
    delay: ctx.config.delay,
    registeredModel: ctx.config.registeredModel,
    cacheDir: ctx.config.cacheDir,
    threads: ctx.config.threads,
  };
}

/** The options `score` and `daily` share (both score day D). */
export function addScoringOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--date <date>', 'the day to score', dayArg)
    .option('--model <uri>', 'PATH | models:/NAME@ALIAS | models:/NAME/VERSION | runs:/RUN_ID/model (default: the champion, else the newest registered version)')
    .option('--threshold <t>', 'flag transactions with a score >= t (env FRAUDCTL_THRESHOLD, default 0.2)', numberArg(0, 1))
    .option('--top <k>', 'show the K riskiest transactions', intArg(0, 10_000), 10)
    .option('--beta <b>', 'beta of F-beta in the monitoring metrics', numberArg(0, 100, { exclusiveMin: true }), 1.5)
    .option('--delay <days>', 'label delay of the terminal mart (env FRAUDCTL_DELAY, default 7)', intArg(0, 365))
    .option('--allow-partial-history', 'build missing marts even when their history window lacks days')
    .option(FEATURES_FLAG, `${FEATURES_HELP}; it must be the model's own spec (by default the model's spec is used)`)
    .option('--tracking-uri <uri>', 'MLflow: directory (embedded) or http(s)://server (env MLFLOW_TRACKING_URI, default ./mlruns)')
    .option('--register <name>', 'registered model name for the default model (env FRAUDCTL_REGISTERED_MODEL, default fraud-detector)')
    .option('--threads <n>', 'threads (env FRAUDCTL_THREADS)', intArg(1, 256));
}

export const scoreCommand: CommandDef = (program, run) => {
  addScoringOptions(
    program.command('score').description("score one day with a model: day D's transactions joined with the marts of D-1, written to scores/date=D"),
  )
    .option('--out <file>', 'also write the scores to FILE.parquet, .csv or .json')
    .option('--no-build-marts', 'fail (exit 3) when the marts of D-1 are missing instead of building them')
    .addHelpText(
      'after',
      examples(
        'fraudctl score --date 2025-03-21',
        'fraudctl score --date 2025-03-21 --model models:/fraud-detector@champion --top 20 --out /tmp/scores.csv',
        'fraudctl score --date 2025-03-21 --model ./fraudctl-demo/model --json',
      ),
    )
    .action(async (_o, cmd) => {
      const o = cmd.optsWithGlobals();
      await run(o, async (ctx) => {
        const { loadFeatureSpec } = await import('../features/loadFeatureSpec.js');
        const featureSpec = o.features ? await loadFeatureSpec(o.features) : undefined;
        return withPipeline(ctx, { tracker: true }, async ({ lake, db, tracker }) => {
          const { score } = await import('../score/runScore.js');
          return score({ ...scoreOptions(o, ctx), featureSpec }, ctx, { lake, db, tracker: tracker! });
        });
      });
    });
};
