import { InvalidArgumentError } from 'commander';
import { examples, intArg } from './args.js';
import { action } from './action.js';
import { addOptions, option } from './optionTable.js';
import { withPipeline } from './pipeline.js';
import { SCORE_OPTIONS, SCORING_OPTIONS } from './scoreOptions.js';
import type { CommandDef } from './types.js';

const { date, model, delay, allowPartialHistory, trackingUri, registeredModel, threads } = SCORING_OPTIONS;

function transactionIdArg(value: string): string {
  if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number (a transaction_id).');
  return value;
}

export const EXPLAIN_OPTIONS = {
  date: { ...date, help: 'the day of the transaction' },
  transaction: option('--transaction <id>', 'the transaction_id to explain', transactionIdArg),
  top: option('--top <n>', 'or explain the N riskiest transactions of the day', intArg(1, 1000)),
  model,
  delay,
  buildMarts: SCORE_OPTIONS.buildMarts,
  allowPartialHistory,
  trackingUri,
  registeredModel,
  threads,
};

export const explainCommand: CommandDef = (program, run) => {
  addOptions(
    program.command('explain').description("why a transaction got its score: its features with the mart windows they came from, and each feature's TreeSHAP contribution"),
    EXPLAIN_OPTIONS,
  )
    .addHelpText(
      'after',
      examples('fraudctl explain --date 2025-03-21 --transaction 1234567', 'fraudctl explain --date 2025-03-21 --top 5 --model models:/fraud-detector@champion --json') +
        '\nscore = expected score + Σ contributions (exact path-dependent TreeSHAP over the forest; checked to 1e-9).\n',
    )
    .action(
      action(run, EXPLAIN_OPTIONS, (o, ctx) =>
        withPipeline(ctx, { tracker: true }, async ({ lake, db, tracker }) => {
          const { explainTransactions } = await import('../explain/explainTransactions.js');
          const { printExplanation } = await import('../explain/printExplanation.js');
          const s = await explainTransactions({ ...o, cacheDir: ctx.config.cacheDir }, { log: ctx.log }, { lake, db, tracker: tracker! });
          for (const e of s.explanations) printExplanation(ctx.out, e);
          return s;
        }),
        (o) => [(o.transaction === undefined) === (o.top === undefined) ? 'give --transaction ID or --top N (one of them)' : undefined],
      ),
    );
};
