import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CoreDeps } from '../coreDeps.js';
import type { FeatureSpec } from '../features/featureSpec.js';
import { writeModelSpec } from '../features/modelSpec.js';
import { writeModelCalibration } from '../model/negativeSample.js';
import { buildMlmodel, writeModelDir } from '../mlflow/mlmodel.js';
import { TRAIN_END_TAG } from '../mlflow/promote.js';
import { standardRunTags } from '../mlflow/runTags.js';
import type { ModelVersion, RunInfo, Tracker } from '../mlflow/tracker.js';
import type { ForestModel } from '../model/forest/index.js';
import type { Timeline } from '../model/timeSplit.js';
import { VERSION } from '../version.js';
import type { protocolOf, TrainOptions } from './runTrain.js';
import type { WindowMetrics } from './summary.js';

export function parentTags(ctx: Pick<CoreDeps, 'runEnv'>, o: { runName: string; parentRunId?: string; testDay: string; invocation: string }) {
  return {
    ...standardRunTags({ runName: o.runName, user: ctx.runEnv.user, sourceName: 'fraudctl train', isJob: ctx.runEnv.isJob, parentRunId: o.parentRunId, airflow: ctx.runEnv.airflow, version: VERSION }),
    'fraudctl.command': 'train',
    'fraudctl.date': o.testDay,
    'fraudctl.test_day': o.testDay,
    'fraudctl.search_invocation': o.invocation,
  };
}

/** The parent run's params: the whole timeline with dates, the protocol and the search space. */
export function parentParams(opts: TrainOptions, p: ReturnType<typeof protocolOf>, t: Timeline, lake: string, names: readonly string[]): Record<string, string> {
  return {
    train_days: t.trainDays.join(','),
    validation_days: t.validationDays.join(','),
    refit_days: t.refitDays.join(','),
    test_days: t.testDays.join(','),
    test_day: t.testDays[0],
    days: String(opts.days),
    gap: String(p.gap),
    delay: String(opts.delay),
    drop_known_compromised: String(p.dropKnown),
    precision_k: String(p.k),
    bootstrap: String(p.bootstrap),
    promotion_alpha: String(p.alpha),
    seed: String(opts.seed),
    sample: String(opts.sample),
    search: opts.search,
    max_evals: String(opts.maxEvals),
    startup_trials: String(opts.startupTrials),
    trees_range: opts.trees.join(':'),
    depth_range: opts.depth.join(':'),
    threshold: String(opts.threshold),
    beta: String(opts.beta),
    min_samples_leaf: String(opts.minSamplesLeaf),
    features: names.join(','),
    lake,
  };
}

/** The final model as the parent's artifact, registered with tags naming its windows and test metrics. */
export async function logFinalModel(
  tracker: Tracker,
  parent: RunInfo,
  model: ForestModel,
  opts: TrainOptions,
  o: { t: Timeline; test: WindowMetrics; deps: CoreDeps; spec: FeatureSpec; names: readonly string[]; bestParams: { n_estimators: number; max_depth: number } },
): Promise<ModelVersion | undefined> {
  const modelDir = await mkdtemp(join(tmpdir(), 'fraudctl-model-'));
  try {
    const mlmodel = buildMlmodel({ runId: parent.runId, artifactPath: 'model', modelFile: 'model.bin', featureNames: o.names, fraudctlVersion: VERSION, createdAt: o.deps.now() });
    await writeModelDir(modelDir, { mlmodel, modelBytes: model.toBuffer(), featureNames: o.names });
    await writeModelSpec(modelDir, o.spec, opts.delay);
    await writeModelCalibration(modelDir, opts.negativeSample ?? 1);
    await tracker.logArtifacts(parent, modelDir, 'model');
    await tracker.logModel(parent.runId, mlmodel);
    if (opts.out) await cp(modelDir, opts.out, { recursive: true });
  } finally {
    await rm(modelDir, { recursive: true, force: true });
  }
  if (!opts.register) return undefined;
  const m = o.test.pooled;
  const version = await tracker.createModelVersion(opts.registeredModel, `${parent.artifactUri}/model`, parent.runId, {
    'fraudctl.test_day': o.t.testDays[0],
    'fraudctl.test_days': o.t.testDays.join(','),
    'fraudctl.train_days': o.t.refitDays.join(','),
    [TRAIN_END_TAG]: o.t.refitDays[o.t.refitDays.length - 1],
    'fraudctl.validation_days': o.t.validationDays.join(','),
    ...(m.roc_auc === null ? {} : { 'fraudctl.roc_auc': String(m.roc_auc) }),
    ...(m.pr_auc === null ? {} : { 'fraudctl.pr_auc': String(m.pr_auc) }),
    'fraudctl.n_estimators': String(o.bestParams.n_estimators),
    'fraudctl.max_depth': String(o.bestParams.max_depth),
  });
  o.deps.log.info({ name: version.name, version: version.version }, 'model registered');
  return version;
}
