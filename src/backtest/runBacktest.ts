import { resolveExperiment, type ExperimentRef } from '../mlflow/experiment.js';
import { randomUUID } from 'node:crypto';
import type { CoreDeps } from '../coreDeps.js';
import { dataError, usageError } from '../errors.js';
import { ensureMarts, loadFeatureRows, type FeatureRows } from '../features/assemble.js';
import { featureNames, type FeatureSpec } from '../features/featureSpec.js';
import { presetSpec } from '../features/loadFeatureSpec.js';
import type { Db } from '../lake/db.js';
import type { Lake } from '../lake/lake.js';
import { standardRunTags } from '../mlflow/runTags.js';
import type { RunInfo, Tracker } from '../mlflow/tracker.js';
import { evaluateWindow } from '../model/evaluate.js';
import { predictParallel, trainForest } from '../model/forest/index.js';
import { sampleRows, takeRows } from '../model/sample.js';
import { checkTimelineDays, timeSplit } from '../model/timeSplit.js';
import { throwIfInterrupted, interruptedError } from '../train/interrupt.js';
import { KnownCards, fraudCards } from '../train/knownCards.js';
import { OpenRuns } from '../train/openRuns.js';
import type { DayMetrics } from '../train/summary.js';
import { countPositives, scoredDays, stackDays } from '../train/trainingSet.js';
import { metricList, windowMetricList } from '../train/trialLog.js';
import { addDays, dayRange, type Day } from '../util/dates.js';
import { Rng } from '../util/rng.js';
import { VERSION } from '../version.js';

export interface BacktestOptions {
  from: Day;
  to: Day;
  /** Days tested by one model: a model is trained every `step` days. */
  step: number;
  days: number;
  /** Default: the label delay. */
  gap?: number;
  trees: number;
  depth: number;
  sample: number;
  minSamplesLeaf: number;
  seed: number;
  threshold: number;
  beta: number;
  k: number;
  bootstrap: number;
  dropKnownCompromised: boolean;
  delay: number;
  buildMarts: boolean;
  allowPartialHistory: boolean;
  experiment: string;
  /** The experiment as the settings select it (MLFLOW_EXPERIMENT_ID, src/mlflow/experiment.ts); wins over `experiment`. */
  experimentRef?: ExperimentRef;
  threads: number;
  /** The marts' features (default: the handbook preset, as train's). */
  featureSpec?: FeatureSpec;
}

/** What a backtest needs besides its options: the ambient inputs, the lake, DuckDB and MLflow. */
export type BacktestDeps = CoreDeps & { lake: Lake; db: Db; tracker: Tracker };

export interface BacktestDay {
  day: Day;
  step: number;
  trainFrom: Day;
  trainTo: Day;
  runId: string;
  metrics: DayMetrics;
}

/**
 * Prequential evaluation (the handbook's chapter 5): for each step of `step` days from `from` to
 * `to`, train one forest on the `days` days ending `gap` days before the step's first day (the
 * production timeline: labels of the last train day are known on the first test day) and score
 * each day of the step. One MLflow parent run, one child run per step. Features are read once per
 * day and kept while a later train window still needs them. Prints nothing: the summary is the
 * result (the command prints it, src/commands/backtestReport.ts).
 */
export async function backtest(o: BacktestOptions, deps: BacktestDeps) {
  const { lake, db, tracker, log, signal } = deps;
  const started = Date.now();
  if (o.to < o.from) throw usageError(`--to ${o.to} is before --from ${o.from}`);
  const gap = o.gap ?? o.delay;
  const spec = o.featureSpec ?? presetSpec('handbook');
  const FEATURE_NAMES = featureNames(spec);
  const testDays = dayRange(o.from, o.to);
  const steps: { testDays: Day[]; trainDays: Day[] }[] = [];
  for (let i = 0; i < testDays.length; i += o.step) {
    const window = testDays.slice(i, i + o.step);
    steps.push({ testDays: window, trainDays: timeSplit({ testDay: window[0], days: o.days, gap }).trainDays });
  }
  const available = await lake.listDays('transactions');
  for (const s of steps) checkTimelineDays({ trainDays: s.trainDays, validationDays: [], refitDays: [], testDays: s.testDays, gap }, available);
  const allDays = [...new Set(steps.flatMap((s) => [...s.trainDays, ...s.testDays]))].sort();
  await ensureMarts(db, lake, allDays.map((d) => addDays(d, -1)), { spec, build: o.buildMarts, delay: o.delay, allowPartialHistory: o.allowPartialHistory, log });
  const known = o.dropKnownCompromised ? await KnownCards.load(db, lake, available, steps[0].trainDays[0], addDays(o.to, -o.delay - 1), o.delay) : undefined;

  const cache = new Map<Day, FeatureRows>();
  const rowsOf = async (days: Day[]) => {
    const out: FeatureRows[] = [];
    for (const d of days) {
      if (!cache.has(d)) {
        const r = await loadFeatureRows(db, lake, d, spec);
        if (!r.labels) throw dataError(`day ${d} has no tx_fraud labels; a backtest needs them`);
        cache.set(d, r);
      }
      out.push(cache.get(d)!);
    }
    return out;
  };

  const { id: experimentId } = await resolveExperiment(tracker, o.experimentRef ?? o.experiment, { create: true });
  const runs = new OpenRuns(tracker, deps.now, log);
  const invocation = randomUUID();
  const tags = (runName: string, parentRunId?: string) => ({
    ...standardRunTags({ runName, user: deps.runEnv.user, sourceName: 'fraudctl backtest', isJob: deps.runEnv.isJob, parentRunId, airflow: deps.runEnv.airflow, version: VERSION }),
    'fraudctl.command': 'backtest',
    'fraudctl.backtest_invocation': invocation,
  });
  const results: BacktestDay[] = [];
  let parent: RunInfo | undefined;
  const progress = deps.progress(steps.length, 'steps');
  try {
    parent = await runs.start({ experimentId, runName: `backtest ${o.from}..${o.to}`, startTime: deps.now().getTime(), tags: tags(`backtest ${o.from}..${o.to}`) });
    await tracker.logBatch(parent.runId, {
      params: {
        from: o.from, to: o.to, step: String(o.step), days: String(o.days), gap: String(gap), delay: String(o.delay),
        n_estimators: String(o.trees), max_depth: String(o.depth), sample: String(o.sample), min_samples_leaf: String(o.minSamplesLeaf),
        seed: String(o.seed), threshold: String(o.threshold), precision_k: String(o.k), drop_known_compromised: String(o.dropKnownCompromised),
        features: FEATURE_NAMES.join(','), feature_spec: spec.name, feature_spec_hash: spec.hash, lake: lake.uri,
      },
    });
    for (const [si, s] of steps.entries()) {
      throwIfInterrupted(signal);
      for (const d of cache.keys()) if (d < s.trainDays[0]) cache.delete(d);
      const trainRows = await rowsOf(s.trainDays);
      const testRows = await rowsOf(s.testDays);
      const set = stackDays(trainRows, FEATURE_NAMES);
      if (countPositives(set.labels) === 0) throw dataError(`train days ${s.trainDays[0]} … ${s.trainDays[s.trainDays.length - 1]} hold no fraud`);
      const idx = sampleRows(set.nRows, o.sample, o.seed, si);
      const sampled = takeRows(set.columns, set.labels, idx);
      const runName = `step ${si}: test ${s.testDays[0]}${s.testDays.length > 1 ? ` … ${s.testDays[s.testDays.length - 1]}` : ''}`;
      const child = await runs.start({ experimentId, runName, startTime: deps.now().getTime(), tags: { ...tags(runName, parent.runId), 'fraudctl.test_day': s.testDays[0] } });
      const model = await trainForest(
        { nRows: idx.length, featureNames: FEATURE_NAMES, columns: sampled.columns, labels: sampled.labels },
        { nTrees: o.trees, maxDepth: o.depth, minSamplesLeaf: o.minSamplesLeaf, seed: new Rng(o.seed, si, 1).u32(), threads: o.threads },
        { signal },
      );
      const test = stackDays(testRows, FEATURE_NAMES);
      const scores = await predictParallel(model, test.columns, test.nRows, { threads: o.threads });
      const trainFrauds = fraudCards(trainRows);
      const drops = known ? testRows.map((d) => known.dropMask(d, s.trainDays[0], trainFrauds)) : undefined;
      const w = evaluateWindow(scoredDays(testRows, scores, drops), { threshold: o.threshold, beta: o.beta, k: o.k, bootstrap: o.bootstrap, seed: o.seed });
      await tracker.logBatch(child.runId, {
        params: { train_days: s.trainDays.join(','), test_days: s.testDays.join(',') },
        metrics: [...windowMetricList('test', w, deps.now().getTime()), ...metricList({ train_rows: idx.length }, deps.now().getTime())],
      });
      await runs.end(child.runId, 'FINISHED');
      for (const m of w.days) results.push({ day: m.day, step: si, trainFrom: s.trainDays[0], trainTo: s.trainDays[s.trainDays.length - 1], runId: child.runId, metrics: m });
      progress.tick(`${s.testDays[0]} AUC ${w.pooled.roc_auc?.toFixed(4) ?? 'undef'}`);
    }
    progress.done();
    const mean = meanMetrics(results);
    await tracker.logBatch(parent.runId, {
      metrics: [
        ...metricList(Object.fromEntries(Object.entries(mean).map(([k, v]) => [`mean_${k}`, v])), deps.now().getTime()),
        ...results.flatMap((r, i) => metricList({ daily_roc_auc: r.metrics.roc_auc, daily_pr_auc: r.metrics.pr_auc, daily_card_precision_at_k: r.metrics.card_precision_at_k }, deps.now().getTime(), i)),
      ],
    });
    const { logBacktestChart } = await import('./backtestChart.js');
    const artifacts = await logBacktestChart(tracker, parent, results.map((r) => r.metrics), o.k);
    await runs.end(parent.runId, 'FINISHED');
    return {
      from: o.from,
      to: o.to,
      step: o.step,
      trainDays: o.days,
      gap,
      delay: o.delay,
      params: { n_estimators: o.trees, max_depth: o.depth, sample: o.sample },
      dropKnownCompromised: o.dropKnownCompromised,
      k: o.k,
      features: { spec: spec.name, hash: spec.hash },
      steps: steps.length,
      days: results.map((r) => ({ step: r.step, trainFrom: r.trainFrom, trainTo: r.trainTo, runId: r.runId, ...r.metrics })),
      mean,
      parentRunId: parent.runId,
      artifacts,
      experimentId,
      trackingUri: tracker.uri,
      seconds: +((Date.now() - started) / 1000).toFixed(2),
    };
  } catch (err) {
    await runs.closeAll(signal.aborted ? 'KILLED' : 'FAILED');
    if (signal.aborted) throw interruptedError(signal);
    throw err;
  }
}

/** Means over days (null when any day's value is undefined: a mean over fewer days would mislead). */
function meanMetrics(rows: BacktestDay[]) {
  const col = (k: 'roc_auc' | 'pr_auc' | 'card_precision_at_k') => rows.map((r) => r.metrics[k]);
  const mean = (xs: (number | null)[]) => (xs.length === 0 || xs.some((x) => x === null) ? null : (xs as number[]).reduce((a, b) => a + b, 0) / xs.length);
  const aucs = col('roc_auc');
  const defined = aucs.every((x) => x !== null) && aucs.length > 0;
  return {
    roc_auc: mean(aucs),
    pr_auc: mean(col('pr_auc')),
    card_precision_at_k: mean(col('card_precision_at_k')),
    roc_auc_min: defined ? Math.min(...(aucs as number[])) : null,
    roc_auc_max: defined ? Math.max(...(aucs as number[])) : null,
  };
}

/** The summary of a backtest, as --json prints it. */
export type BacktestSummary = Awaited<ReturnType<typeof backtest>>;
