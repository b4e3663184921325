import { randomUUID } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TrainOptions } from '../commands/trainOptions.js';
import type { CoreDeps } from '../coreDeps.js';
import { dataError } from '../errors.js';
import { ensureMarts, loadFeatureRows, type FeatureRows } from '../features/assemble.js';
import { featureNames, type FeatureSpec } from '../features/featureSpec.js';
import { presetSpec } from '../features/loadFeatureSpec.js';
import { writeModelSpec } from '../features/modelSpec.js';
import type { Db } from '../lake/db.js';
import type { Lake } from '../lake/lake.js';
import { predictParallel, trainForest, type ForestModel } from '../model/forest/index.js';
import { computeMetrics, type Metrics } from '../model/metrics.js';
import { sampleRows, takeRows } from '../model/sample.js';
import { latestDay, timeSplit, validateSplit, type Split } from '../model/timeSplit.js';
import { suggest, type IntParam, type Trial } from '../model/tpe.js';
import { buildMlmodel, writeModelDir } from '../mlflow/mlmodel.js';
import { promoteIfBetter } from '../mlflow/promote.js';
import { standardRunTags } from '../mlflow/runTags.js';
import type { ModelVersion, RunInfo, Tracker } from '../mlflow/tracker.js';
import { addDays, type Day } from '../util/dates.js';
import { Rng } from '../util/rng.js';
import { VERSION } from '../version.js';
import type { FeatureImportance } from '../plots/chartSpecs.js';
import { recordTrainInsights, type TrainInsights } from '../report/trainInsights.js';
import { throwIfInterrupted, interruptedError } from './interrupt.js';
import { OpenRuns } from './openRuns.js';
import { definedMetrics, logTrial, METRIC_KEYS, metricList, undefinedTag } from './trialLog.js';
import { countPositives, stackDays } from './trainingSet.js';

export type { TrainOptions };
/** The command's options with the feature spec --features names, loaded (default: the handbook preset). */
export type TrainCoreOptions = TrainOptions & { featureSpec?: FeatureSpec };

export interface TrainDeps extends CoreDeps {
  lake: Lake;
  db: Db;
  tracker: Tracker;
}

/** What `train` returns: printed by the command, the `--json` summary as it is. */
export interface TrainSummary {
  [key: string]: unknown;
  trainDays: Day[];
  testDay: Day;
  trainRows: number;
  trainFrauds: number;
  testRows: number;
  testFrauds: number;
  parentRunId: string;
  experimentId: string;
  trackingUri: string;
  trials: ({ trial: number; runId: string; n_estimators: number; max_depth: number; fitSeconds: number; metrics: Record<string, number | null> })[];
  best: { trial: number; runId: string; n_estimators: number; max_depth: number; metrics: Record<string, number | null> };
  registered: { name: string; version: string } | null;
  promotion: { promoted: boolean; reason: string } | null;
  /** Impurity and permutation importance of the chosen model (src/report/trainInsights.ts). */
  importances: FeatureImportance[];
  /** Seconds the plots, importances and report took after the search. */
  reportSeconds?: number;
  seconds: number;
}

export interface TrialResult {
  trial: number;
  params: { n_estimators: number; max_depth: number };
  metrics: Metrics;
  fitSeconds: number;
  trainRows: number;
  trainFrauds: number;
  runId: string;
}

/** Trains and registers a model; prints nothing (the command prints the returned summary). */
export async function train(opts: TrainCoreOptions, deps: TrainDeps): Promise<TrainSummary> {
  const { lake, db, tracker, log, signal } = deps;
  const started = Date.now();

  // 1. The split: strictly by calendar day, never random.
  const available = await lake.listDays('transactions');
  if (available.length === 0) throw dataError(`no transactions in ${lake.uri}`, 'run `fraudctl simulate` or `fraudctl ingest` first');
  const testDay = opts.testDay ?? latestDay(available);
  const split: Split = timeSplit({ testDay, days: opts.days, gap: opts.gap });
  validateSplit(split, available);
  log.info({ trainDays: split.trainDays, testDay, gap: opts.gap }, 'time split');

  // 2. Features: every day joined with the marts of its previous day; missing marts are built first.
  const martDays = [...split.trainDays, testDay].map((d) => addDays(d, -1));
  const spec = opts.featureSpec ?? presetSpec('handbook');
  const FEATURE_NAMES = featureNames(spec);
  await ensureMarts(db, lake, martDays, { spec, specRef: opts.features, build: opts.buildMarts, delay: opts.delay, allowPartialHistory: opts.allowPartialHistory, log });
  const trainParts: FeatureRows[] = [];
  for (const d of split.trainDays) {
    throwIfInterrupted(signal);
    trainParts.push(await loadFeatureRows(db, lake, d, spec));
  }
  const test = await loadFeatureRows(db, lake, testDay, spec);
  const trainSet = stackDays(trainParts, FEATURE_NAMES);
  trainParts.length = 0;
  const trainFrauds = countPositives(trainSet.labels);
  if (!test.labels) throw dataError(`test day ${testDay} has no tx_fraud labels; cannot evaluate`);
  const testFrauds = countPositives(test.labels);
  if (trainFrauds === 0) throw dataError(`train days ${split.trainDays.join(', ')} hold no fraud (${trainSet.nRows} rows); a model needs at least one`);
  if (testFrauds === 0 || testFrauds === test.n) {
    throw dataError(`test day ${testDay} has only one class (${test.n} rows, ${testFrauds} frauds); ROC AUC is undefined`, 'pick another --test-day');
  }
  log.info({ trainRows: trainSet.nRows, trainFrauds, testRows: test.n, testFrauds }, 'datasets assembled');

  // 3. Tracking: one parent run for the search, one child per trial.
  const experimentId = await tracker.getOrCreateExperiment(opts.experiment);
  const runs = new OpenRuns(tracker, deps.now, log);
  const invocation = randomUUID();
  const baseTags = (runName: string, parentRunId?: string) => ({
    ...standardRunTags({ runName, user: deps.runEnv.user, sourceName: 'fraudctl train', isJob: deps.runEnv.isJob, parentRunId, airflow: deps.runEnv.airflow, version: VERSION }),
    'fraudctl.command': 'train',
    'fraudctl.date': testDay,
    'fraudctl.test_day': testDay,
    'fraudctl.search_invocation': invocation,
  });
  const space: IntParam[] = [
    { name: 'n_estimators', low: opts.trees[0], high: opts.trees[1] },
    { name: 'max_depth', low: opts.depth[0], high: opts.depth[1] },
  ];
  const results: TrialResult[] = [];
  let best: { result: TrialResult; model: ForestModel } | undefined;
  let parent: RunInfo | undefined;
  let version: ModelVersion | undefined;
  let promotion: Awaited<ReturnType<typeof promoteIfBetter>> | undefined;
  let insights: TrainInsights | undefined;
  try {
    parent = await runs.start({ experimentId, runName: `train ${testDay}`, startTime: deps.now().getTime(), tags: baseTags(`train ${testDay}`) });
    await tracker.logBatch(parent.runId, {
      params: {
        train_days: split.trainDays.join(','),
        test_day: testDay,
        days: String(opts.days),
        gap: String(opts.gap),
        seed: String(opts.seed),
        sample: String(opts.sample),
        search: opts.search,
        max_evals: String(opts.maxEvals),
        startup_trials: String(opts.startupTrials),
        trees_range: opts.trees.join(':'),
        depth_range: opts.depth.join(':'),
        threshold: String(opts.threshold),
        beta: String(opts.beta),
        delay: String(opts.delay),
        min_samples_leaf: String(opts.minSamplesLeaf),
        features: FEATURE_NAMES.join(','),
        feature_spec: spec.name,
        feature_spec_hash: spec.hash,
        lake: lake.uri,
      },
      metrics: metricList({ train_rows: trainSet.nRows, train_frauds: trainFrauds, test_rows: test.n, test_frauds: testFrauds }, deps.now().getTime()),
    });

    // 4. The search.
    const history: Trial[] = [];
    const progress = deps.progress(opts.maxEvals, 'trials');
    for (let trial = 0; trial < opts.maxEvals; trial++) {
      throwIfInterrupted(signal);
      const p = suggest(space, history, trial, { algo: opts.search, seed: opts.seed, startupTrials: opts.startupTrials });
      const params = { n_estimators: p.n_estimators, max_depth: p.max_depth };
      const idx = sampleRows(trainSet.nRows, opts.sample, opts.seed, trial);
      if (idx.length === 0) throw dataError(`--sample ${opts.sample} of ${trainSet.nRows} train rows leaves no row to train on`, 'raise --sample or --days');
      const sampled = takeRows(trainSet.columns, trainSet.labels, idx);
      const sampledFrauds = countPositives(sampled.labels);
      const runName = `trial ${trial} (${params.n_estimators} trees, depth ${params.max_depth})`;
      const child = await runs.start({ experimentId, runName, startTime: deps.now().getTime(), tags: baseTags(runName, parent.runId) });
      const t0 = performance.now();
      const model = await trainForest(
        { nRows: idx.length, featureNames: FEATURE_NAMES, columns: sampled.columns, labels: sampled.labels },
        { nTrees: params.n_estimators, maxDepth: params.max_depth, minSamplesLeaf: opts.minSamplesLeaf, seed: new Rng(opts.seed, trial, 1).u32(), threads: opts.threads },
        { signal },
      );
      const fitSeconds = (performance.now() - t0) / 1000;
      const scores = await predictParallel(model, test.columns, test.n, { threads: opts.threads });
      const metrics = computeMetrics(test.labels, scores, { threshold: opts.threshold, beta: opts.beta });
      const result: TrialResult = { trial, params, metrics, fitSeconds, trainRows: idx.length, trainFrauds: sampledFrauds, runId: child.runId };
      await logTrial(tracker, child.runId, result, opts, test.n, testFrauds, deps.now().getTime());
      await runs.end(child.runId, 'FINISHED');
      history.push({ params: p, loss: 1 - (metrics.roc_auc as number) });
      results.push(result);
      if (!best || (metrics.roc_auc as number) > (best.result.metrics.roc_auc as number)) best = { result, model };
      log.info({ trial, ...params, roc_auc: metrics.roc_auc, pr_auc: metrics.pr_auc, fit_seconds: +fitSeconds.toFixed(2) }, 'trial done');
      progress.tick(`AUC ${metrics.roc_auc === undefined ? 'undef' : metrics.roc_auc.toFixed(4)}`);
    }
    progress.done();
    if (!best) throw new Error('no trial ran');

    // 5. The best model: parent run metrics, artifact, registry, promotion.
    const b = best.result;
    await tracker.logBatch(parent.runId, {
      params: { best_n_estimators: String(b.params.n_estimators), best_max_depth: String(b.params.max_depth), best_trial: String(b.trial) },
      metrics: metricList(Object.fromEntries(METRIC_KEYS.map((k) => [`best_${k}`, b.metrics[k]])), deps.now().getTime()),
      tags: { 'fraudctl.best_run_id': b.runId, ...undefinedTag(b.metrics, 'best_') },
    });
    const modelDir = await mkdtemp(join(tmpdir(), 'fraudctl-model-'));
    try {
      const mlmodel = buildMlmodel({ runId: parent.runId, artifactPath: 'model', modelFile: 'model.bin', featureNames: FEATURE_NAMES, fraudctlVersion: VERSION, createdAt: deps.now() });
      await writeModelDir(modelDir, { mlmodel, modelBytes: best.model.toBuffer(), featureNames: FEATURE_NAMES });
      await writeModelSpec(modelDir, spec, opts.delay);
      await tracker.logArtifacts(parent, modelDir, 'model');
      await tracker.logModel(parent.runId, mlmodel);
      if (opts.out) await cp(modelDir, opts.out, { recursive: true });
    } finally {
      await rm(modelDir, { recursive: true, force: true });
    }
    if (opts.register) {
      version = await tracker.createModelVersion(opts.registeredModel, `${parent.artifactUri}/model`, parent.runId, {
        'fraudctl.test_day': testDay,
        'fraudctl.train_days': split.trainDays.join(','),
        'fraudctl.roc_auc': String(b.metrics.roc_auc),
        ...(b.metrics.pr_auc === undefined ? {} : { 'fraudctl.pr_auc': String(b.metrics.pr_auc) }),
        'fraudctl.n_estimators': String(b.params.n_estimators),
        'fraudctl.max_depth': String(b.params.max_depth),
      });
      log.info({ name: version.name, version: version.version }, 'model registered');
      if (opts.promote) {
        promotion = await promoteIfBetter(tracker, { name: opts.registeredModel, version: version.version, testDay, log });
        log.info({ promoted: promotion.promoted, reason: promotion.reason }, 'promotion');
      }
    }
    insights = await recordTrainInsights({ model: best.model, test: { ...test, labels: test.labels }, trainDays: split.trainDays, trainRows: trainSet.nRows, trainFrauds, testFrauds, results, best: b, opts, parent, experimentId, trackingUri: tracker.uri, version, promotion }, deps, tracker);
    await runs.end(parent.runId, 'FINISHED');
  } catch (err) {
    await runs.closeAll(signal.aborted ? 'KILLED' : 'FAILED');
    if (signal.aborted) throw interruptedError(signal);
    throw err;
  }

  const bestTrial = best.result.trial;
  const bm = best.result.metrics;
  return {
    trainDays: split.trainDays,
    testDay,
    trainRows: trainSet.nRows,
    trainFrauds,
    testRows: test.n,
    testFrauds,
    parentRunId: parent.runId,
    experimentId,
    trackingUri: tracker.uri,
    trials: results.map((r) => ({ trial: r.trial, runId: r.runId, ...r.params, fitSeconds: +r.fitSeconds.toFixed(3), metrics: definedMetrics(r.metrics) })),
    best: { trial: bestTrial, runId: best.result.runId, ...best.result.params, metrics: definedMetrics(bm) },
    registered: version ? { name: version.name, version: version.version } : null,
    promotion: promotion ? { promoted: promotion.promoted, reason: promotion.reason } : null,
    importances: insights?.importances ?? [],
    reportSeconds: insights?.seconds,
    seconds: +((Date.now() - started) / 1000).toFixed(2),
  };
}
