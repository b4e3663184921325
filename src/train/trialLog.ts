import type { Metrics } from '../model/metrics.js';
import type { Metric, Tracker } from '../mlflow/tracker.js';
import type { TrainOptions, TrialResult } from './runTrain.js';

/** The metrics logged per trial, in table order; undefined ones are named in a tag instead. */
export const METRIC_KEYS = ['roc_auc', 'pr_auc', 'accuracy', 'precision', 'recall', 'f1', 'f_beta'] as const;

/** One trial's child run: its params, the test-day metrics, row counts and fit time. */
export async function logTrial(tracker: Tracker, runId: string, r: TrialResult, opts: TrainOptions, testRows: number, testFrauds: number, ts: number) {
  const m = r.metrics;
  await tracker.logBatch(runId, {
    params: {
      n_estimators: String(r.params.n_estimators),
      max_depth: String(r.params.max_depth),
      trial: String(r.trial),
      seed: String(opts.seed),
      sample: String(opts.sample),
      threshold: String(opts.threshold),
      beta: String(opts.beta),
      min_samples_leaf: String(opts.minSamplesLeaf),
      max_features: 'sqrt',
    },
    metrics: metricList(
      {
        ...Object.fromEntries(METRIC_KEYS.map((k) => [k, m[k]])),
        tp: m.tp,
        fp: m.fp,
        tn: m.tn,
        fn: m.fn,
        fit_seconds: r.fitSeconds,
        train_rows: r.trainRows,
        train_frauds: r.trainFrauds,
        train_fraud_rate: r.trainFrauds / r.trainRows,
        test_rows: testRows,
        test_frauds: testFrauds,
        test_fraud_rate: testFrauds / testRows,
      },
      ts,
    ),
    tags: undefinedTag(m),
  });
}

/** Defined metric values only: an undefined metric is never sent as NaN or a made-up number. */
export function metricList(values: Record<string, number | undefined>, timestamp: number): Metric[] {
  return Object.entries(values)
    .filter((e): e is [string, number] => e[1] !== undefined && Number.isFinite(e[1]))
    .map(([key, value]) => ({ key, value, timestamp, step: 0 }));
}

export function undefinedTag(m: Metrics, prefix = ''): Record<string, string> {
  const undef = METRIC_KEYS.filter((k) => m[k] === undefined).map((k) => `${prefix}${k}`);
  return undef.length > 0 ? { 'fraudctl.undefined_metrics': undef.join(',') } : {};
}

export function definedMetrics(m: Metrics): Record<string, number | null> {
  return Object.fromEntries(METRIC_KEYS.map((k) => [k, m[k] ?? null]));
}
