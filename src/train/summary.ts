import type { FeatureImportance } from '../plots/chartSpecs.js';
import type { Day } from '../util/dates.js';

/**
 * What `fraudctl train` returns (and prints with --json): the structured record of one run that the
 * report renders. Every metric that is undefined on its rows is `null` here and named in
 * `undefinedMetrics` — never NaN, never a stand-in value.
 */

/** A 95 % confidence interval [low, high]. */
export type Interval = [number, number];

/** One window of the timeline: its days and what it held. */
export interface WindowSummary {
  days: Day[];
  from: Day;
  to: Day;
  rows: number;
  frauds: number;
}

/** The timeline train | gap | validation | gap | test, and the refit window of the final model. */
export interface TimelineSummary {
  /** Label delay in days: labels of day d are known from day d + delay + 1. */
  delay: number;
  /** Days skipped between a train window and the window it is evaluated on. */
  gap: number;
  /** Rows the trials were trained on (before --sample). */
  train: WindowSummary;
  /** Where the search chose its trial (before the test window, never the test window itself). */
  validation: WindowSummary;
  /** Where the final model was scored once. */
  test: WindowSummary;
  /** The final model's train window: the train window shifted to end `gap` days before the test. */
  refit: WindowSummary;
}

/** Metrics of one set of scored rows (one day, or several days pooled). */
export interface EvalMetrics {
  /** Rows evaluated, after dropping known-compromised cards. */
  rows: number;
  frauds: number;
  /** Distinct cards (customers) among `rows`. */
  cards: number;
  /** Rows of cards already known compromised, left out of every metric (0 when the protocol is off). */
  droppedRows: number;
  droppedFrauds: number;
  droppedCards: number;
  roc_auc: number | null;
  /** DeLong's 95 % interval of ROC AUC (normal approximation, clipped to [0, 1]). */
  roc_auc_ci95: Interval | null;
  pr_auc: number | null;
  /** Stratified-bootstrap 95 % percentile interval of average precision. */
  pr_auc_ci95: Interval | null;
  /** Card precision@k as the handbook defines it; for pooled windows the mean over days. */
  card_precision_at_k: number | null;
  /** Transaction precision@k: frauds among the k highest-scored rows, / k; pooled: the mean over days. */
  tx_precision_at_k: number | null;
  k: number;
  threshold: number;
  accuracy: number | null;
  precision: number | null;
  recall: number | null;
  f1: number | null;
  f_beta: number | null;
  undefinedMetrics: string[];
}

export interface DayMetrics extends EvalMetrics {
  day: Day;
}

/** A window's metrics per day and pooled over its days (AUC/AP over all rows together). */
export interface WindowMetrics {
  days: DayMetrics[];
  pooled: EvalMetrics;
}

/** One search trial: trained on the train window, judged on the validation window (pooled). */
export interface TrialSummary {
  trial: number;
  runId: string;
  n_estimators: number;
  max_depth: number;
  fitSeconds: number;
  trainRows: number;
  trainFrauds: number;
  validation: {
    roc_auc: number | null;
    pr_auc: number | null;
    card_precision_at_k: number | null;
    f_beta: number | null;
  };
}

/** The paired comparison of challenger and champion on the same test rows. */
export interface PromotionSummary {
  promoted: boolean;
  reason: string;
  rule: string;
  alpha: number;
  championVersion: string | null;
  challengerAuc: number | null;
  championAuc: number | null;
  /** challenger − champion ROC AUC on the same rows. */
  deltaAuc: number | null;
  deltaAucCi95: Interval | null;
  z: number | null;
  /** One-sided DeLong p-value of "the challenger is better". */
  pBetter: number | null;
  /** One-sided DeLong p-value of "the challenger is worse". */
  pWorse: number | null;
  /** The p-value the decision rested on (pBetter or pWorse), when a paired test decided it. */
  pValue: number | null;
}

/** A type alias, not an interface, so that it is a command Summary (Record<string, unknown>). */
export type TrainSummary = {
  trainDays: Day[];
  validationDays: Day[];
  testDays: Day[];
  /** The first test day (the `--test-day` flag). */
  testDay: Day;
  /** The final model's train days. */
  refitDays: Day[];
  timeline: TimelineSummary;
  protocol: {
    dropKnownCompromised: boolean;
    k: number;
    bootstrap: number;
    /** Always true: the chosen parameters are refit on the refit window before the test. */
    refit: true;
    objective: 'validation roc_auc (pooled)';
  };
  trainRows: number;
  trainFrauds: number;
  testRows: number;
  testFrauds: number;
  trials: TrialSummary[];
  /**
   * The chosen trial's parameters, and `metrics`: the final (refit) model's pooled TEST metrics —
   * what the registered model is (the same values as `test.pooled`, kept here for older readers).
   */
  best: { trial: number; runId: string; n_estimators: number; max_depth: number; metrics: Record<string, number | null> };
  /** The chosen trial's model on the validation window. */
  validation: WindowMetrics;
  /** The final (refit) model on the test window. */
  test: WindowMetrics;
  /** validation − test, pooled: how optimistic selection was. */
  validationTestGap: { roc_auc: number | null; pr_auc: number | null };
  parentRunId: string;
  experimentId: string;
  trackingUri: string;
  registered: { name: string; version: string } | null;
  promotion: PromotionSummary | null;
  /** Impurity and permutation importance of the final model (src/report/trainInsights.ts). */
  importances: FeatureImportance[];
  /** Seconds the plots, importances and report took after the test. */
  reportSeconds: number;
  seconds: number;
};
