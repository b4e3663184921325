import { dayArg, examples, intArg } from './args.js';
import { withPipeline } from './pipeline.js';
import type { CommandDef } from './types.js';

export const explainCommand: CommandDef = (program, run) => {
  program
    .command('explain')
    .description("why a transaction got its score: its 15 features with the mart windows they came from, and each feature's TreeSHAP contribution")
    .requiredOption('--date <date>', 'the day of the transaction', dayArg)
    .option('--transaction <id>', 'the transaction_id to explain')
    .option('--top <n>', 'or explain the N riskiest transactions of the day', intArg(1, 1000))
    .option('--model <uri>', 'PATH | models:/NAME@ALIAS | models:/NAME/VERSION | runs:/RUN_ID/model (default: as score)')
    .option('--delay <days>', 'label delay of the terminal mart (env FRAUDCTL_DELAY, default 7)', intArg(0, 365))
    .option('--no-build-marts', 'fail (exit 3) when the marts of D-1 are missing instead of building them')
    .option('--allow-partial-history', 'build missing marts even when their history window lacks days')
    .option('--tracking-uri <uri>', 'MLflow: directory (embedded) or http(s)://server (env MLFLOW_TRACKING_URI, default ./mlruns)')
    .option('--register <name>', 'registered model name for the default model (env FRAUDCTL_REGISTERED_MODEL, default fraud-detector)')
    .addHelpText(
      'after',
      examples(
        'fraudctl explain --date 2025-03-21 --transaction 1234567',
        'fraudctl explain --date 2025-03-21 --top 5 --model models:/fraud-detector@champion --json',
      ) + '\nscore = expected score + Σ contributions (exact path-dependent TreeSHAP over the forest; checked to 1e-9).\n',
    )
    .action(async (_o, cmd) => {
      const o = cmd.optsWithGlobals();
      await run(o, (ctx) =>
        withPipeline(ctx, { tracker: true }, async ({ lake, db, tracker }) => {
          const { explainTransactions } = await import('../explain/explainTransactions.js');
          const { printExplanation } = await import('../explain/printExplanation.js');
          const s = await explainTransactions(
            { date: o.date, transaction: o.transaction, top: o.top, model: o.model, delay: ctx.config.delay, registeredModel: ctx.config.registeredModel, cacheDir: ctx.config.cacheDir, buildMarts: o.buildMarts !== false, allowPartialHistory: o.allowPartialHistory === true, threads: ctx.config.threads },
            ctx,
            { lake, db, tracker: tracker! },
          );
          for (const e of s.explanations) printExplanation(ctx.out, e);
          return s;
        }),
      );
    });
};
