import { examples } from './args.js';
import type { CommandDef } from './types.js';

export const reportCommand: CommandDef = (program, run) => {
  program
    .command('report')
    .description("write a training run's HTML report (time split, trials, metrics, charts, importances, promotion decision) to one self-contained file")
    .option('--run <id>', 'the parent run of a `fraudctl train`')
    .option('--model <uri>', 'or a model: models:/NAME@ALIAS | models:/NAME/VERSION | runs:/RUN_ID/model (its training run is reported)')
    .requiredOption('--out <file>', 'the HTML file to write')
    .option('--tracking-uri <uri>', 'MLflow: directory (embedded) or http(s)://server (env MLFLOW_TRACKING_URI, default ./mlruns)')
    .addHelpText(
      'after',
      examples(
        'fraudctl report --run 3f2a9c… --out report.html',
        'fraudctl report --model models:/fraud-detector@champion --out champion.html --json',
      ) + '\nThe same report is the parent run\'s report.html artifact; it needs no network to open (charts are inline SVG).\n',
    )
    .action(async (_o, cmd) => {
      const o = cmd.optsWithGlobals();
      await run(o, async (ctx) => {
        const { openTracker } = await import('../mlflow/openTracker.js');
        const { writeReport } = await import('../report/writeReport.js');
        const tracker = await openTracker(ctx.config, ctx.log, ctx.runEnv.cwd);
        const s = await writeReport({ run: o.run, model: o.model, out: o.out, cacheDir: ctx.config.cacheDir }, tracker);
        ctx.out.line(`Report of run ${s.runId} written to ${s.out} (${(s.bytes / 1024).toFixed(0)} KiB, ${s.charts.length} charts).`);
        return s;
      });
    });
};
