/**
 * The report.json of a train run: the timeline (train | gap | validation | gap | test, and the refit
 * window), the validation and test metrics with their 95 % intervals, the test metrics per day, and
 * the promotion decision with its DeLong p-value — all read from what runTrain computed, never recomputed.
 */
import type { Chart, FeatureImportance } from '../plots/chartSpecs.js';
import type { EvalMetrics } from '../train/summary.js';
import { VERSION } from '../version.js';
import { REPORT_FORMAT, type ReportData, type ReportMetrics } from './reportData.js';
import type { TrainInsightsInput } from './trainInsights.js';

const VALUE_KEYS = ['roc_auc', 'pr_auc', 'card_precision_at_k', 'tx_precision_at_k', 'precision', 'recall', 'f1', 'f_beta', 'accuracy'] as const;

function metricsOf(window: string, m: EvalMetrics): ReportMetrics {
  const intervals: Record<string, [number, number]> = {};
  if (m.roc_auc_ci95) intervals.roc_auc = m.roc_auc_ci95;
  if (m.pr_auc_ci95) intervals.pr_auc = m.pr_auc_ci95;
  return {
    window,
    rows: m.rows,
    frauds: m.frauds,
    droppedRows: m.droppedRows,
    values: Object.fromEntries(VALUE_KEYS.map((k) => [k, m[k]])),
    intervals,
  };
}

export function trainReportData(input: TrainInsightsInput, at: { tp: number; fp: number; fn: number; tn: number }, importances: FeatureImportance[], charts: Chart[]): ReportData {
  const { opts, best, version, promotion, windows: w, protocol: p } = input;
  const pr = promotion;
  return {
    format: REPORT_FORMAT,
    fraudctlVersion: VERSION,
    createdAt: new Date(input.parent.startTime ?? Date.now()).toISOString(),
    run: { runId: input.parent.runId, experimentId: input.experimentId, experiment: opts.experiment, trackingUri: input.trackingUri },
    settings: {
      'gap (days)': p.gap, 'label delay (days)': opts.delay, sample: opts.sample, 'negative sample': opts.negativeSample ?? 1, 'max evals': opts.maxEvals, search: opts.search, seed: opts.seed,
      threshold: opts.threshold, beta: opts.beta, k: p.k, 'AP bootstrap resamples': p.bootstrap, 'known-compromised cards dropped': p.dropKnown, 'min samples per leaf': opts.minSamplesLeaf,
      objective: 'validation roc_auc (pooled)',
    },
    windows: [
      { name: 'train (trials)', days: w.train.days, rows: w.train.rows, frauds: w.train.frauds },
      { name: 'validation', days: w.validation.days, rows: w.validation.rows, frauds: w.validation.frauds },
      { name: 'refit (final model)', days: w.refit.days, rows: w.refit.rows, frauds: w.refit.frauds },
      { name: 'test', days: w.test.days, rows: w.test.rows, frauds: w.test.frauds },
    ],
    trials: input.results.map((r) => ({ trial: r.trial, n_estimators: r.params.n_estimators, max_depth: r.params.max_depth, metrics: { roc_auc: r.validation.roc_auc, pr_auc: r.validation.pr_auc, f_beta: r.validation.f_beta }, fitSeconds: r.fitSeconds, best: r.trial === best.trial })),
    metrics: [metricsOf('validation', input.validation.pooled), metricsOf('test', input.test.pooled), ...input.test.days.map((d) => metricsOf(`test ${d.day}`, d))],
    k: p.k,
    confusion: { threshold: opts.threshold, ...at },
    importances,
    decision: {
      ...(version ? { registered: { name: version.name, version: version.version } } : {}),
      ...(pr ? { promoted: pr.promoted, rule: pr.rule, alpha: pr.alpha, pValue: pr.pValue, championVersion: pr.championVersion, deltaAuc: pr.deltaAuc, deltaAucCi95: pr.deltaAucCi95 } : {}),
      reason: pr ? pr.reason : version ? 'registered without --promote; the champion alias is unchanged' : 'not registered (--no-register)',
    },
    charts,
  };
}
