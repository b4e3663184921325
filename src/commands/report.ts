import { examples } from './args.js';
import { action } from './action.js';
import { addOptions, option, setting } from './optionTable.js';
import { checkFileTarget } from './pathChecks.js';
import { modelUriProblem } from './scoreOptions.js';
import type { CommandDef } from './types.js';

export const REPORT_OPTIONS = {
  run: option('--run <id>', 'the parent run of a `fraudctl train`', String),
  model: option('--model <uri>', 'or a model: models:/NAME@ALIAS | models:/NAME/VERSION | runs:/RUN_ID/model (its training run is reported)', String, { check: modelUriProblem }),
  out: option('--out <file>', 'the HTML file to write', String, { required: true as const, check: checkFileTarget }),
  trackingUri: setting('trackingUri'),
};

export const reportCommand: CommandDef = (program, run) => {
  addOptions(
    program.command('report').description("write a training run's HTML report (time split, trials, metrics, charts, importances, promotion decision) to one self-contained file"),
    REPORT_OPTIONS,
  )
    .addHelpText(
      'after',
      examples('fraudctl report --run 3f2a9c… --out report.html', 'fraudctl report --model models:/fraud-detector@champion --out champion.html --json') +
        "\nThe same report is the parent run's report.html artifact; it needs no network to open (charts are inline SVG).\n",
    )
    .action(
      action(run, REPORT_OPTIONS, async (o, ctx) => {
        const { openTracker } = await import('../mlflow/openTracker.js');
        const { writeReport } = await import('../report/writeReport.js');
        const { MLFLOW_KEYS, pickSettings } = await import('../config.js');
        const tracker = await openTracker(pickSettings(ctx.config, MLFLOW_KEYS), ctx.log, ctx.runEnv.cwd);
        const s = await writeReport({ run: o.run, model: o.model, out: o.out, cacheDir: ctx.config.cacheDir }, tracker);
        ctx.out.line(`Report of run ${s.runId} written to ${s.out} (${(s.bytes / 1024).toFixed(0)} KiB, ${s.charts.length} charts).`);
        return s;
      }, (o) => [o.run !== undefined && o.model !== undefined ? 'give --run or --model, not both' : undefined, o.run === undefined && o.model === undefined ? 'say which training run to report on: --run RUN_ID or --model URI' : undefined]),
    );
};
