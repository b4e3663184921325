import type { BacktestSummary } from '../backtest/runBacktest.js';
import type { Output } from '../output.js';

/** The human read-out of a backtest: one row per test day, the means, where the runs are. */
export function printBacktestSummary(out: Output, s: BacktestSummary): void {
  const fmt = (x: number | null, d = 4) => (x === null ? 'undef' : x.toFixed(d));
  out.table(
    ['day', 'train', 'rows', 'frauds', 'dropped', 'roc_auc', 'pr_auc', `card_p@${s.k}`],
    s.days.map((r) => [r.day, `${r.trainFrom} … ${r.trainTo}`, r.rows, r.frauds, r.droppedRows, fmt(r.roc_auc), fmt(r.pr_auc), fmt(r.card_precision_at_k, 3)]),
  );
  const m = s.mean;
  out.line(`Mean over ${s.days.length} days: ROC AUC ${fmt(m.roc_auc)}, AP ${fmt(m.pr_auc)}, card precision@${s.k} ${fmt(m.card_precision_at_k, 3)} (min–max ROC AUC ${fmt(m.roc_auc_min)}–${fmt(m.roc_auc_max)}).`);
  out.line(`MLflow: experiment id ${s.experimentId} in ${s.trackingUri}, parent run ${s.parentRunId} with ${s.steps} child runs.`);
}
