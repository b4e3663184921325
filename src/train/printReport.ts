import type { Output } from '../output.js';
import type { EvalMetrics, Interval, TrainSummary } from './summary.js';

const fmt = (x: number | null | undefined, d = 4) => (x === null || x === undefined ? 'undef' : x.toFixed(d));
const ci = (c: Interval | null) => (c ? `[${c[0].toFixed(3)}, ${c[1].toFixed(3)}]` : '');

/** One row of the validation / test table. */
export function metricRow(name: string, m: EvalMetrics): (string | number)[] {
  return [name, m.rows, m.frauds, m.droppedRows, fmt(m.roc_auc), ci(m.roc_auc_ci95), fmt(m.pr_auc), ci(m.pr_auc_ci95), fmt(m.card_precision_at_k, 3), fmt(m.tx_precision_at_k, 3)];
}

export const METRIC_HEADER = (k: number) => ['window', 'rows', 'frauds', 'dropped', 'roc_auc', '95% CI', 'pr_auc', '95% CI', `card_p@${k}`, `tx_p@${k}`];

/** The human report of a train run (stdout; --json prints the summary instead). */
export function printTrainReport(out: Output, s: TrainSummary, timeline: string[], o: { sample: number; threshold: number; beta: number }): void {
  out.line(`Timeline (delay ${s.timeline.delay} days, gap ${s.timeline.gap}):`);
  for (const l of timeline) out.line(l);
  const w = s.timeline;
  out.line(`Rows: train ${w.train.rows} (${w.train.frauds} frauds; sample ${o.sample}), validation ${w.validation.rows} (${w.validation.frauds}), refit ${w.refit.rows} (${w.refit.frauds}), test ${w.test.rows} (${w.test.frauds}).`);
  out.table(
    ['best', 'trial', 'trees', 'depth', 'val_roc_auc', 'val_pr_auc', `val_card_p@${s.protocol.k}`, 'seconds'],
    s.trials.map((r) => [r.trial === s.best.trial ? '*' : '', r.trial, r.n_estimators, r.max_depth, fmt(r.validation.roc_auc), fmt(r.validation.pr_auc), fmt(r.validation.card_precision_at_k, 3), r.fitSeconds.toFixed(1)]),
  );
  const rows = [metricRow('validation', s.validation.pooled), metricRow('test', s.test.pooled)];
  if (s.test.days.length > 1) rows.push(...s.test.days.map((d) => metricRow(`  ${d.day}`, d)));
  out.table(METRIC_HEADER(s.protocol.k), rows);
  const dropped = s.protocol.dropKnownCompromised ? `known-compromised cards dropped (test: ${s.test.pooled.droppedRows} rows of ${s.test.pooled.droppedCards} cards)` : 'known-compromised cards kept';
  const t = s.test.pooled;
  out.line(`Chosen: trial ${s.best.trial} (${s.best.n_estimators} trees, depth ${s.best.max_depth}), refit on ${w.refit.from} … ${w.refit.to}; ${dropped}.`);
  out.line(`Test at threshold ${t.threshold}: precision ${fmt(t.precision)}, recall ${fmt(t.recall)}, F1 ${fmt(t.f1)}, F${o.beta} ${fmt(t.f_beta)}. Validation − test ROC AUC: ${fmt(s.validationTestGap.roc_auc)}.`);
  if (t.undefinedMetrics.length > 0) out.line(`Undefined on the test rows: ${t.undefinedMetrics.join(', ')}.`);
  out.line(`MLflow: experiment id ${s.experimentId} in ${s.trackingUri}, parent run ${s.parentRunId}.`);
  if (s.registered) {
    const pr = s.promotion;
    out.line(`Registered ${s.registered.name} version ${s.registered.version}${pr ? `; ${pr.promoted ? 'promoted to champion' : 'not promoted'}: ${pr.reason}` : ''}.`);
  }
}
