import type { Metric, Tracker } from '../mlflow/tracker.js';
import type { EvalMetrics, WindowMetrics } from './summary.js';

/** The scalar metrics of an evaluation, in table order. */
export const METRIC_KEYS = ['roc_auc', 'pr_auc', 'card_precision_at_k', 'tx_precision_at_k', 'accuracy', 'precision', 'recall', 'f1', 'f_beta'] as const;

/** Defined metric values only: an undefined metric is never sent as NaN or a made-up number. */
export function metricList(values: Record<string, number | null | undefined>, timestamp: number, step = 0): Metric[] {
  return Object.entries(values)
    .filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]))
    .map(([key, value]) => ({ key, value, timestamp, step }));
}

/** `prefix_metric` for each scalar metric of `m`, the intervals as `_ci95_low` / `_ci95_high`, and row counts. */
export function evalValues(prefix: string, m: EvalMetrics): Record<string, number | null> {
  const v: Record<string, number | null> = Object.fromEntries(METRIC_KEYS.map((k) => [`${prefix}_${k}`, m[k]]));
  for (const k of ['roc_auc', 'pr_auc'] as const) {
    const ci = m[`${k}_ci95`];
    v[`${prefix}_${k}_ci95_low`] = ci ? ci[0] : null;
    v[`${prefix}_${k}_ci95_high`] = ci ? ci[1] : null;
  }
  Object.assign(v, { [`${prefix}_rows`]: m.rows, [`${prefix}_frauds`]: m.frauds, [`${prefix}_dropped_rows`]: m.droppedRows, [`${prefix}_dropped_cards`]: m.droppedCards });
  return v;
}

/** A window's pooled metrics at step 0, and each day's as `prefix_daily_metric` at step = day index. */
export function windowMetricList(prefix: string, w: WindowMetrics, ts: number): Metric[] {
  const out = metricList(evalValues(prefix, w.pooled), ts);
  w.days.forEach((d, i) => out.push(...metricList(Object.fromEntries(METRIC_KEYS.map((k) => [`${prefix}_daily_${k}`, d[k]])), ts, i)));
  return out;
}

/** The `fraudctl.undefined_metrics` tag naming what is undefined, when something is. */
export function undefinedTag(named: Record<string, EvalMetrics>): Record<string, string> {
  const undef = Object.entries(named).flatMap(([prefix, m]) => m.undefinedMetrics.map((k) => `${prefix}_${k}`));
  return undef.length > 0 ? { 'fraudctl.undefined_metrics': undef.join(',') } : {};
}

/** One trial's child run: its params, the validation metrics, row counts and fit time. */
export async function logTrial(
  tracker: Tracker,
  runId: string,
  t: { trial: number; params: { n_estimators: number; max_depth: number }; validation: EvalMetrics; fitSeconds: number; trainRows: number; trainFrauds: number },
  opts: { seed: number; sample: number; threshold: number; beta: number; minSamplesLeaf: number },
  ts: number,
) {
  await tracker.logBatch(runId, {
    params: {
      n_estimators: String(t.params.n_estimators),
      max_depth: String(t.params.max_depth),
      trial: String(t.trial),
      seed: String(opts.seed),
      sample: String(opts.sample),
      threshold: String(opts.threshold),
      beta: String(opts.beta),
      min_samples_leaf: String(opts.minSamplesLeaf),
      max_features: 'sqrt',
      evaluated_on: 'validation',
    },
    metrics: metricList({ ...evalValues('validation', t.validation), fit_seconds: t.fitSeconds, train_rows: t.trainRows, train_frauds: t.trainFrauds, train_fraud_rate: t.trainFrauds / t.trainRows }, ts),
    tags: undefinedTag({ validation: t.validation }),
  });
}
