import { randomUUID } from 'node:crypto';
import type { CoreDeps } from '../coreDeps.js';
import { dataError } from '../errors.js';
import { featureNames, type FeatureSpec } from '../features/featureSpec.js';
import { presetSpec } from '../features/loadFeatureSpec.js';
import type { Db } from '../lake/db.js';
import type { Lake } from '../lake/lake.js';
import { ForestTrainer, predictBinnedRows, predictParallel, type BinnedRows, type ForestModel } from '../model/forest/index.js';
import { evaluateWindow, PreparedWindow, type EvalOptions } from '../model/evaluate.js';
import { sampleRows } from '../model/sample.js';
import { calibrateNegativeSample } from '../model/negativeSample.js';
import { checkTimelineDays, latestDay, planTimeline } from '../model/timeSplit.js';
import { suggest, type IntParam, type Trial } from '../model/tpe.js';
import type { ModelVersion, RunInfo, Tracker } from '../mlflow/tracker.js';
import { addDays, type Day } from '../util/dates.js';
import { Rng } from '../util/rng.js';
import { collectGarbage } from '../util/collectGarbage.js';
import { recordTrainInsights, type TrainInsights } from '../report/trainInsights.js';
import { throwIfInterrupted, interruptedError } from './interrupt.js';
import { OpenRuns } from './openRuns.js';
import { findSelected, resolveExperiment, type ExperimentRef } from '../mlflow/experiment.js';
import { promoteAfterTrain } from './promoteAfterTrain.js';
import { logFinalModel, parentParams, parentTags } from './parentRun.js';
import type { EvalMetrics, PromotionSummary, TrainSummary, WindowMetrics } from './summary.js';
import { logTrial, metricList, windowMetricList, undefinedTag, METRIC_KEYS } from './trialLog.js';
import { releaseColumns, scoredDays, splitByDays, stackDays, unscoredDays, type EvalDay } from './trainingSet.js';
import { assembleSets, windowOf } from './assembleSets.js';

export interface TrainOptions {
  days: number;
  /** The first test day (default: the latest day, or the latest − testDays + 1). */
  testDay?: Day;
  /** Days between a train window and the window it is evaluated on (default: the label delay). */
  gap?: number;
  /** Validation window length (default 1). */
  validationDays?: number;
  /** Test window length (default 1). */
  testDays?: number;
  /** Drop cards already known compromised from validation and test metrics (default true). */
  dropKnownCompromised?: boolean;
  /** k of card and transaction precision@k (default 100). */
  k?: number;
  /** Bootstrap resamples of the AP interval (default 1000; 0: none). */
  bootstrap?: number;
  /** Significance level of the paired promotion test (default 0.05). */
  alpha?: number;
  /** Where the champion model is downloaded for the paired comparison (default .fraudctl/cache). */
  cacheDir?: string;
  sample: number;
  /** Keep every fraud and this seeded fraction of genuine train rows (default 1: all); scores are recalibrated. */
  negativeSample?: number;
  maxEvals: number;
  startupTrials: number;
  trees: [number, number];
  depth: [number, number];
  search: 'tpe' | 'random';
  seed: number;
  threshold: number;
  beta: number;
  delay: number;
  minSamplesLeaf: number;
  buildMarts: boolean;
  allowPartialHistory: boolean;
  experiment: string;
  /** The experiment as the settings select it (MLFLOW_EXPERIMENT_ID, src/mlflow/experiment.ts); wins over `experiment`. */
  experimentRef?: ExperimentRef;
  registeredModel: string;
  register: boolean;
  promote: boolean;
  threads: number;
  /** Also copy the best model directory here. */
  out?: string;
  /** The feature spec (default: the handbook preset) and how --features named it. */
  featureSpec?: FeatureSpec;
  features?: string;
}

export type TrainCoreOptions = TrainOptions;
export type { TrainSummary };

export interface TrainDeps extends CoreDeps {
  lake: Lake;
  db: Db;
  tracker: Tracker;
}

export interface TrialResult {
  trial: number;
  params: { n_estimators: number; max_depth: number };
  validation: EvalMetrics;
  fitSeconds: number;
  trainRows: number;
  trainFrauds: number;
  runId: string;
}

/** The resolved knobs of the protocol. */
export function protocolOf(opts: TrainOptions) {
  return {
    gap: opts.gap ?? opts.delay,
    validationDays: opts.validationDays ?? 1,
    testDays: opts.testDays ?? 1,
    dropKnown: opts.dropKnownCompromised ?? true,
    k: opts.k ?? 100,
    bootstrap: opts.bootstrap ?? 1000,
    alpha: opts.alpha ?? 0.05,
  };
}

function requireBothClasses(role: string, w: PreparedWindow, hint: string): void {
  const { rows, frauds } = w.counts();
  if (frauds === 0 || frauds === rows) {
    const days = w.dayNames();
    throw dataError(`the ${role} window ${days[0]} … ${days[days.length - 1]} has only one class after dropping known-compromised cards (${rows} rows, ${frauds} frauds); ROC AUC is undefined`, hint);
  }
}

/** The test days read again after the search hold the rows their masks were taken from (exit 3 if a partition was rewritten). */
function requireSameRows(before: EvalDay[], after: EvalDay[]): void {
  before.forEach((d, i) => {
    const a = after[i];
    let same = a.n === d.n;
    for (let r = 0; same && r < d.n; r++) same = a.transactionId[r] === d.transactionId[r];
    if (!same) throw dataError(`the transactions of ${d.day} changed while train ran (rows differ from the first read)`, 'run train again once the partition is no longer being written');
  });
}

/**
 * Rng(seed, trial) would mix the trial into the seed by XOR first (seed 1's trial 3 = seed 2's
 * trial 0); a fixed stream id in front scrambles the seed first.
 */
const FIT_STREAM = 0xf17;

/** One trial's (or the refit's) forest on rows `idx` of the trainer's table. */
async function fit(trainer: ForestTrainer, labels: Uint8Array, params: { n_estimators: number; max_depth: number }, idx: Uint32Array, seed: number, trial: number, opts: TrainOptions, signal: AbortSignal) {
  const t0 = performance.now();
  const model = await trainer.train(
    { nTrees: params.n_estimators, maxDepth: params.max_depth, minSamplesLeaf: opts.minSamplesLeaf, seed: new Rng(seed, FIT_STREAM, trial).u32() },
    { rows: idx, signal },
  );
  let frauds = 0;
  for (let i = 0; i < idx.length; i++) frauds += labels[idx[i]];
  return { model, fitSeconds: (performance.now() - t0) / 1000, frauds };
}

/** Trains, tests and registers a model; prints nothing (the command prints the returned summary). */
export async function train(opts: TrainOptions, deps: TrainDeps): Promise<TrainSummary> {
  const { lake, tracker, log, signal } = deps;
  const spec = opts.featureSpec ?? presetSpec('handbook');
  const names = featureNames(spec);
  const started = Date.now();
  const p = protocolOf(opts);
  // The experiment first: an id that does not exist, or does not match the name, fails (exit 2)
  // before anything is read; a new experiment is only created once the timeline is known to be
  // in the lake, so a refused command leaves the store as it was.
  const ref = opts.experimentRef ?? opts.experiment;
  const existing = await findSelected(tracker, ref);
  if (!existing && typeof ref !== 'string' && ref.id !== undefined) await resolveExperiment(tracker, ref, { create: false });

  // 1. The timeline: train | gap | validation | gap | test, strictly by calendar day.
  const available = await lake.listDays('transactions');
  if (available.length === 0) throw dataError(`no transactions in ${lake.uri}`, 'run `fraudctl simulate` or `fraudctl ingest` first');
  const testDay = opts.testDay ?? addDays(latestDay(available), -(p.testDays - 1));
  const t = planTimeline({ testDay, days: opts.days, gap: p.gap, validationDays: p.validationDays, testDays: p.testDays });
  checkTimelineDays(t, available);
  // A store that cannot be written fails here (exit 2), before any data is loaded.
  const experiment = existing ?? (await resolveExperiment(tracker, ref, { create: true }));
  log.info({ trainDays: t.trainDays, validationDays: t.validationDays, refitDays: t.refitDays, testDays: t.testDays, gap: p.gap, delay: opts.delay }, 'timeline');

  // 2. Features of every day, the two train sets, the known-compromised cards of each evaluation day (assembleSets.ts).
  const negRate = opts.negativeSample ?? 1;
  let sets: Awaited<ReturnType<typeof assembleSets>> | undefined = await assembleSets(t, opts, spec, names, available, p, new Rng(opts.seed, FIT_STREAM).u32(), deps);
  const { trainer, refitTrainer, pool, trained, refitted, trainSet, refitSet, validationDrops, testDrops, read } = sets;
  let { validationBins, validationRows, testRows } = sets as { validationBins: BinnedRows | undefined; validationRows: EvalDay[]; testRows: EvalDay[] };
  // Only the locals hold the sets from here (they are let go one by one below).
  sets = undefined;
  // The validation rows' drops and cards, prepared once for every trial's evaluation.
  let validationWindow: PreparedWindow | undefined = new PreparedWindow(unscoredDays(validationRows, validationDrops));
  const closeAll = async () => {
    await trainer.close();
    await refitTrainer.close();
    await pool?.close();
  };
  try {
    requireBothClasses('validation', validationWindow, 'pick another --test-day or more --validation-days');
    requireBothClasses('test', new PreparedWindow(unscoredDays(testRows, testDrops)), 'pick another --test-day or more --test-days');
  } catch (err) {
    await closeAll();
    throw err;
  }
  const evalOpts: EvalOptions = { threshold: opts.threshold, beta: opts.beta, k: p.k, bootstrap: p.bootstrap, seed: opts.seed };
  const windows = { train: trained.window, validation: windowOf(validationRows), test: windowOf(testRows), refit: refitted.window };
  // The test days are read again after the search (their masks line up: rows come in file order).
  testRows = [];
  log.info({ train: windows.train.rows, validation: windows.validation.rows, test: windows.test.rows, refit: windows.refit.rows }, 'datasets assembled');

  // 3. Tracking: one parent run for the search, one child per trial.
  const experimentId = experiment.id;
  const runs = new OpenRuns(tracker, deps.now, log);
  const invocation = randomUUID();
  const tags = (runName: string, parentRunId?: string) => parentTags(deps, { runName, parentRunId, testDay, invocation });
  const space: IntParam[] = [
    { name: 'n_estimators', low: opts.trees[0], high: opts.trees[1] },
    { name: 'max_depth', low: opts.depth[0], high: opts.depth[1] },
  ];
  const results: TrialResult[] = [];
  let best: { result: TrialResult; model: ForestModel; scores: Float64Array } | undefined;
  let parent: RunInfo | undefined;
  let version: ModelVersion | undefined;
  let promotion: PromotionSummary | null = null;
  let validation: WindowMetrics | undefined;
  let test: WindowMetrics | undefined;
  let insights: TrainInsights | undefined;
  try {
    parent = await runs.start({ experimentId, runName: `train ${testDay}`, startTime: deps.now().getTime(), tags: tags(`train ${testDay}`) });
    await tracker.logBatch(parent.runId, { params: { ...parentParams(opts, p, t, lake.uri, names), feature_spec: spec.name, feature_spec_hash: spec.hash, negative_sample: String(negRate) } });

    // 4. The search: each trial trains on the train window and is judged on the validation window.
    const history: Trial[] = [];
    const progress = deps.progress(opts.maxEvals, 'trials');
    for (let trial = 0; trial < opts.maxEvals; trial++) {
      throwIfInterrupted(signal);
      const s = suggest(space, history, trial, { algo: opts.search, seed: opts.seed, startupTrials: opts.startupTrials });
      const params = { n_estimators: s.n_estimators, max_depth: s.max_depth };
      const idx = sampleRows(trainSet.nRows, opts.sample, opts.seed, trial);
      if (idx.length === 0) throw dataError(`--sample ${opts.sample} of ${trainSet.nRows} train rows leaves no row to train on`, 'raise --sample or --days');
      const runName = `trial ${trial} (${params.n_estimators} trees, depth ${params.max_depth})`;
      const child = await runs.start({ experimentId, runName, startTime: deps.now().getTime(), tags: tags(runName, parent.runId) });
      const { model, fitSeconds, frauds } = await fit(trainer, trainSet.labels, params, idx, opts.seed, trial, opts, signal);
      const scores = calibrateNegativeSample(await predictBinnedRows(model, validationBins!, { threads: opts.threads }), negRate);
      const v = validationWindow!.evaluate(splitByDays(validationRows, scores), { ...evalOpts, bootstrap: 0 }).pooled;
      const result: TrialResult = { trial, params, validation: v, fitSeconds, trainRows: idx.length, trainFrauds: frauds, runId: child.runId };
      await logTrial(tracker, child.runId, result, opts, deps.now().getTime());
      await runs.end(child.runId, 'FINISHED');
      history.push({ params: s, loss: 1 - (v.roc_auc as number) });
      results.push(result);
      if (!best || (v.roc_auc as number) > (best.result.validation.roc_auc as number)) best = { result, model, scores };
      log.info({ trial, ...params, validation_roc_auc: v.roc_auc, validation_pr_auc: v.pr_auc, fit_seconds: +fitSeconds.toFixed(2) }, 'trial done');
      progress.tick(`val AUC ${v.roc_auc?.toFixed(4)}`);
    }
    progress.done();
    if (!best) throw new Error('no trial ran');

    // 5. The chosen parameters refit on the refit window, scored once on the test window.
    const b = best.result;
    const refitIdx = sampleRows(refitSet.nRows, opts.sample, opts.seed, b.trial);
    await trainer.close();
    // The refit is handed to the workers (they take its trees from a shared counter, growPool.ts)
    // before the best trial's validation metrics are computed on this thread (the bootstrap
    // interval: seconds at course scale), so the two overlap, this thread taking trees too once it
    // is done; neither changes the other's numbers.
    const refitting = fit(refitTrainer, refitSet.labels, b.params, refitIdx, opts.seed, b.trial, opts, signal);
    refitting.catch(() => {}); // awaited below; a failure meanwhile must not count as unhandled
    await new Promise((resolve) => setImmediate(resolve));
    validation = validationWindow!.evaluate(splitByDays(validationRows, best.scores), evalOpts);
    log.info({ bootstrap: p.bootstrap }, 'validation window evaluated');
    // Nothing reads the validation rows again (their metrics are in `validation`).
    validationBins = undefined;
    validationRows = [];
    validationWindow = undefined;
    best.scores = new Float64Array(0);
    const final = await refitting;
    await refitTrainer.close();
    await pool?.close();
    collectGarbage();
    log.info({ refit_rows: refitIdx.length, fit_seconds: +final.fitSeconds.toFixed(2) }, 'refit done');
    // Before the search only the test days' ids, cards and labels were read (their checks and drop
    // masks); their features (180 MB a 1.5 M-row day) are read now. Rows come back in file order,
    // so the masks line up — checked, in case a partition was rewritten meanwhile.
    const testDays = await read(t.testDays);
    requireSameRows(testRows, testDays);
    const testSet = stackDays(testDays, names);
    releaseColumns(testDays);
    testRows = testDays;
    const testScores = calibrateNegativeSample(await predictParallel(final.model, testSet.columns, testSet.nRows, { threads: opts.threads }), negRate);
    const testScored = scoredDays(testRows, testScores, testDrops);
    test = evaluateWindow(testScored, evalOpts);
    log.info({ rows: testSet.nRows }, 'test window scored');
    collectGarbage();
    const ts = deps.now().getTime();
    await tracker.logBatch(parent.runId, {
      params: { best_n_estimators: String(b.params.n_estimators), best_max_depth: String(b.params.max_depth), best_trial: String(b.trial) },
      metrics: [
        ...windowMetricList('validation', validation, ts),
        ...windowMetricList('test', test, ts),
        ...metricList(Object.fromEntries(METRIC_KEYS.map((k) => [`best_${k}`, test!.pooled[k]])), ts),
        ...metricList({ refit_rows: refitIdx.length, refit_frauds: final.frauds, refit_fit_seconds: final.fitSeconds }, ts),
      ],
      tags: { 'fraudctl.best_run_id': b.runId, ...undefinedTag({ validation: validation.pooled, test: test.pooled }) },
    });
    version = await logFinalModel(tracker, parent, final.model, opts, { t, test, deps, spec, names, bestParams: b.params });
    log.info({ registered: version?.version ?? null }, 'final model logged');

    // 6. Promotion: champion and challenger on the same test rows, DeLong's paired test.
    if (version && opts.promote) {
      promotion = await promoteAfterTrain(tracker, { opts, names, alpha: p.alpha, version, testSet, testScored, trainEnd: t.refitDays[t.refitDays.length - 1], log, testAuc: test.pooled.roc_auc });
    }
    // 7. Charts, importances and the HTML report of the final model, logged to the parent run.
    insights = await recordTrainInsights({ model: final.model, testSet, testScored, windows, protocol: p, validation, test, results, best: b, opts: { ...opts, experiment: experiment.name }, parent, experimentId, trackingUri: tracker.uri, version, promotion }, deps, tracker);
    await runs.end(parent.runId, 'FINISHED');
  } catch (err) {
    await closeAll();
    await runs.closeAll(signal.aborted ? 'KILLED' : 'FAILED');
    if (signal.aborted) throw interruptedError(signal);
    throw err;
  }

  const trials = results.map((r) => ({
    trial: r.trial,
    runId: r.runId,
    ...r.params,
    fitSeconds: +r.fitSeconds.toFixed(3),
    trainRows: r.trainRows,
    trainFrauds: r.trainFrauds,
    validation: { roc_auc: r.validation.roc_auc, pr_auc: r.validation.pr_auc, card_precision_at_k: r.validation.card_precision_at_k, f_beta: r.validation.f_beta },
  }));
  const gapOf = (k: 'roc_auc' | 'pr_auc') => (validation!.pooled[k] !== null && test!.pooled[k] !== null ? validation!.pooled[k]! - test!.pooled[k]! : null);
  const summary: TrainSummary = {
    trainDays: t.trainDays,
    validationDays: t.validationDays,
    testDays: t.testDays,
    testDay,
    refitDays: t.refitDays,
    timeline: { delay: opts.delay, gap: p.gap, ...windows },
    protocol: { dropKnownCompromised: p.dropKnown, k: p.k, bootstrap: p.bootstrap, refit: true, objective: 'validation roc_auc (pooled)' },
    trainRows: trainSet.nRows,
    trainFrauds: windows.train.frauds,
    testRows: windows.test.rows,
    testFrauds: windows.test.frauds,
    trials,
    best: { trial: best.result.trial, runId: best.result.runId, ...best.result.params, metrics: Object.fromEntries(METRIC_KEYS.map((k) => [k, test!.pooled[k]])) },
    validation,
    test,
    validationTestGap: { roc_auc: gapOf('roc_auc'), pr_auc: gapOf('pr_auc') },
    parentRunId: parent.runId,
    experimentId,
    trackingUri: tracker.uri,
    registered: version ? { name: version.name, version: version.version } : null,
    promotion,
    importances: insights!.importances,
    reportSeconds: insights!.seconds,
    seconds: +((Date.now() - started) / 1000).toFixed(2),
  };
  return summary;
}
