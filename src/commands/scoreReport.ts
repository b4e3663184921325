import type { Output } from '../output.js';
import type { ScoreSummary } from '../score/runScore.js';
import { printScoreInsights } from '../report/scoreInsights.js';
import { fmt } from './trainReport.js';

/** The human report of `score` (stdout; nothing in --json mode). `out` is the --out file, if any. */
export function printScoreSummary(out: Output, s: ScoreSummary, o: { beta: number; out?: string }): void {
  out.line(`Scored ${s.date}: ${s.transactions} transactions with ${s.modelUri}${s.modelVersion ? ` (version ${s.modelVersion})` : ''}.`);
  out.line(`Flagged at ${s.threshold}: ${s.flagged} (${s.transactions > 0 ? ((100 * s.flagged) / s.transactions).toFixed(2) : '0.00'} %).`);
  out.line(`Score quantiles: ${Object.entries(s.quantiles).map(([q, v]) => `${q} ${v === null ? '-' : v.toFixed(4)}`).join(', ')}.`);
  out.line(`No history (zeros used): ${s.noHistoryCustomers} rows without customer history, ${s.noHistoryTerminals} without terminal history.`);
  const m = s.monitoring;
  if (m) {
    out.line(`Labels present: ROC AUC ${fmt(m.roc_auc)}, PR AUC ${fmt(m.pr_auc)}, accuracy ${fmt(m.accuracy)}, precision ${fmt(m.precision)}, recall ${fmt(m.recall)}, F1 ${fmt(m.f1)}, F${o.beta} ${fmt(m.f_beta)}.`);
  }
  printScoreInsights(out, s.insights, s.threshold);
  if (s.top.length > 0) {
    out.line(`Top ${s.top.length} riskiest:`);
    out.table(
      ['transaction_id', 'tx_datetime', 'customer_id', 'terminal_id', 'tx_amount', 'fraud_score'],
      s.top.map((t) => [t.transaction_id, t.tx_datetime, t.customer_id, t.terminal_id, t.tx_amount.toFixed(2), t.fraud_score.toFixed(4)]),
    );
  }
  out.line(`Written: ${s.output}${o.out ? ` and ${o.out}` : ''}`);
}
