import { examples } from './args.js';
import { action } from './action.js';
import { coreDeps } from '../coreDeps.js';
import { addOptions } from './optionTable.js';
import { withPipeline } from './pipeline.js';
import { SCORE_OPTIONS } from './scoreOptions.js';
import type { CommandDef } from './types.js';

export const scoreCommand: CommandDef = (program, run) => {
  addOptions(program.command('score').description("score one day with a model: day D's transactions joined with the marts of D-1, written to scores/date=D"), SCORE_OPTIONS)
    .addHelpText(
      'after',
      examples(
        'fraudctl score --date 2025-03-21',
        'fraudctl score --date 2025-03-21 --model models:/fraud-detector@champion --top 20 --out /tmp/scores.csv',
        'fraudctl score --date 2025-03-21 --model ./fraudctl-demo/model --json',
        'fraudctl score --date 2025-03-21 --explain   # + reason_1..3_feature/value/contribution of flagged rows',
      ),
    )
    .action(
      action(run, SCORE_OPTIONS, async (o, ctx) => {
        const { loadFeatureSpec } = await import('../features/loadFeatureSpec.js');
        const featureSpec = o.features ? await loadFeatureSpec(o.features) : undefined;
        return withPipeline(ctx, { tracker: true }, async ({ lake, db, tracker }) => {
          const { score } = await import('../score/runScore.js');
          const { printScoreSummary } = await import('./scoreReport.js');
          const summary = await score({ ...o, cacheDir: ctx.config.cacheDir, featureSpec }, { ...coreDeps(ctx), lake, db, tracker: tracker! });
          printScoreSummary(ctx.out, summary, o);
          return summary;
        });
      }),
    );
};
