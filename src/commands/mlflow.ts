import { InvalidArgumentError } from 'commander';
import type { Ctx } from '../context.js';
import { dataError } from '../errors.js';
import type { ModelVersion, Run, Tracker } from '../mlflow/tracker.js';
import { examples, intArg } from './args.js';
import type { CommandDef } from './types.js';
import { action } from './action.js';
import { addOptions, option, setting, toggle } from './optionTable.js';
import { modelNameProblem } from './trainOptions.js';
import { MLFLOW_KEYS, pickSettings } from '../config.js';

/** The figures a listing shows; a search's parent run carries best_* metrics, a trial plain ones. */
const SHOWN = ['roc_auc', 'pr_auc'] as const;

async function tracker(ctx: Ctx): Promise<Tracker> {
  const { openTracker } = await import('../mlflow/openTracker.js');
  return openTracker(pickSettings(ctx.config, MLFLOW_KEYS), ctx.log, ctx.runEnv.cwd);
}

const when = (ms: number | undefined) => (ms ? new Date(ms).toISOString().slice(0, 16).replace('T', ' ') : '');
const fmt = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '' : x.toFixed(4));

function bestOf(run: Run, key: string): number | undefined {
  return run.data.metrics[`best_${key}`] ?? run.data.metrics[key];
}

function tagNumber(mv: ModelVersion, key: string): number | undefined {
  const raw = mv.tags[`fraudctl.${key}`];
  return raw === undefined || raw === '' ? undefined : Number(raw);
}

/** Recent searches: parent runs (no mlflow.parentRunId), newest first, with their best metrics. */
export async function listSearches(t: Tracker, experimentId: string, last: number): Promise<Run[]> {
  // Each search has a handful of trial runs; read enough runs to find `last` parents among them.
  const runs = await t.searchRuns([experimentId], { maxResults: Math.min(5000, Math.max(200, last * 50)) });
  return runs
    .filter((r) => !r.data.tags['mlflow.parentRunId'])
    .sort((a, b) => b.info.startTime - a.info.startTime)
    .slice(0, last);
}

function versionArg(value: string): string {
  if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError('must be a model version number (1, 2, …).');
  return value;
}

/** `fraudctl mlflow …`: the group's own option (every subcommand reads the tracking store). */
export const MLFLOW_OPTIONS = {
  trackingUri: setting('trackingUri'),
};

export const MLFLOW_RUNS_OPTIONS = {
  experiment: setting('experiment'),
  last: option('--last <n>', 'how many searches', intArg(1, 1000), { default: 10 }),
};

export const MLFLOW_PROMOTE_OPTIONS = {
  alias: option('--alias <alias>', 'alias to move', String, { default: 'champion' }),
  metric: option('--metric <name>', 'metric compared, read from the fraudctl.<metric> version tag', String, { default: 'roc_auc' }),
  force: toggle('--force', 'move the alias without comparing'),
};

export const mlflowCommand: CommandDef = (program, run) => {
  const mlflow = addOptions(
    program.command('mlflow').description('inspect MLflow runs and registered models, promote a model version (file store or tracking server)'),
    MLFLOW_OPTIONS,
  );

  addOptions(mlflow.command('runs').description('recent training searches (parent runs) with their best metrics'), MLFLOW_RUNS_OPTIONS)
    .addHelpText('after', examples('fraudctl mlflow runs', 'fraudctl mlflow runs --experiment fraud --last 3 --json', 'MLFLOW_TRACKING_URI=http://mlflow:5000 fraudctl mlflow runs'))
    .action(
      action(run, MLFLOW_RUNS_OPTIONS, async (o, ctx) => {
        const t = await tracker(ctx);
        // Read-only: nothing is created. A name or id somebody set must exist (exit 2); the default
        // experiment not existing yet only means no training has run.
        const { experimentRef, findSelected, resolveExperiment } = await import('../mlflow/experiment.js');
        const source = ctx.resolved.sources.experiment?.source;
        const ref = experimentRef(ctx.config, source);
        const exp = typeof ref === 'string' && source === 'default' ? await findSelected(t, ref) : await resolveExperiment(t, ref, { create: false });
        const experimentId = exp?.id ?? null;
        const runs = exp ? await listSearches(t, exp.id, o.last) : [];
        ctx.out.line(`${t.uri}  experiment ${exp ? `${exp.name} (id ${exp.id})` : `${ctx.config.experiment} (not created yet)`}`);
        if (runs.length === 0) ctx.out.line('no runs yet');
        else {
          ctx.out.table(
            ['run id', 'started (UTC)', 'status', 'name', 'test day', ...SHOWN],
            runs.map((r) => [r.info.runId, when(r.info.startTime), r.info.status, r.info.runName, r.data.tags['fraudctl.test_day'] ?? '', ...SHOWN.map((k) => fmt(bestOf(r, k)))]),
          );
        }
        return {
          trackingUri: t.uri,
          experimentId,
          runs: runs.map((r) => ({ runId: r.info.runId, name: r.info.runName, status: r.info.status, startTime: r.info.startTime, endTime: r.info.endTime ?? null, testDay: r.data.tags['fraudctl.test_day'] ?? null, metrics: r.data.metrics })),
        };
      }),
    );

  mlflow
    .command('models')
    .argument('[name]', 'a registered model: list its versions (default: list the registered models)')
    .description('registered models, or the versions of one with aliases and the metrics recorded in their tags')
    .addHelpText('after', examples('fraudctl mlflow models', 'fraudctl mlflow models fraud-detector', 'fraudctl mlflow models fraud-detector --json'))
    .action(
      action(
        run,
        {},
        async (_o, ctx, [name]) => {
          const t = await tracker(ctx);
          if (name === undefined) {
            const models = await t.listRegisteredModels();
            if (models.length === 0) ctx.out.line(`no registered models in ${t.uri}`);
            else ctx.out.table(['name', 'latest', 'aliases'], models.map((m) => [m.name, m.latestVersion ?? '', Object.entries(m.aliases).map(([a, v]) => `${a}=v${v}`).join(' ')]));
            return { trackingUri: t.uri, models };
          }
          const versions = await t.listModelVersions(name as string);
          if (versions.length === 0) throw dataError(`no registered model '${name}' in ${t.uri}`, 'list them with: fraudctl mlflow models');
          ctx.out.table(
            ['version', 'status', 'created (UTC)', 'test day', ...SHOWN, 'aliases', 'run id'],
            versions.map((v) => [v.version, v.status, when(v.creationTimestamp), v.tags['fraudctl.test_day'] ?? '', ...SHOWN.map((k) => fmt(tagNumber(v, k))), v.aliases.map((a) => `@${a}`).join(' '), v.runId ?? '']),
          );
          return { trackingUri: t.uri, name, versions };
        },
        (_o, [name]) => [name === undefined ? undefined : modelNameProblem(name as string)],
      ),
    );

  addOptions(
    mlflow
      .command('promote')
      .argument('<name>', 'registered model')
      .argument('<version>', 'version to promote', versionArg)
      .description('move an alias (default champion) to a version when it beats the current holder (same test day: higher ROC AUC; a later test day wins; an earlier one never does); the reason goes into the version tag fraudctl.promotion'),
    MLFLOW_PROMOTE_OPTIONS,
  )
    .addHelpText('after', examples('fraudctl mlflow promote fraud-detector 7', 'fraudctl mlflow promote fraud-detector 7 --alias challenger --force'))
    .action(
      action(
        run,
        MLFLOW_PROMOTE_OPTIONS,
        async (o, ctx, args) => {
          const [name, version] = args as [string, string];
          const { promoteIfBetter } = await import('../mlflow/promote.js');
          const t = await tracker(ctx);
          const r = await promoteIfBetter(t, { name, version, alias: o.alias, metric: o.metric, force: o.force, log: ctx.log });
          ctx.out.line(`${name} v${version}: ${r.promoted ? `now @${o.alias}` : `not promoted (@${o.alias} ${r.previous ? `stays v${r.previous.version}` : 'unset'})`}`);
          ctx.out.line(`reason: ${r.reason}`);
          return { name, version, alias: o.alias, promoted: r.promoted, reason: r.reason, previousVersion: r.previous?.version ?? null };
        },
        (_o, [name]) => [modelNameProblem(name as string)],
      ),
    );
};
