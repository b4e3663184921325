import type { Output } from '../output.js';
import { printImportances } from '../report/trainInsights.js';
import type { TrainSummary } from '../train/runTrain.js';
import type { TrainOptions } from './trainOptions.js';

/** A metric as printed: four decimals, 'undef' where it is undefined (null in the summary). */
export const fmt = (x: number | null | undefined, d = 4) => (x === undefined || x === null ? 'undef' : x.toFixed(d));

/** The human report of `train` (stdout; nothing in --json mode). */
export function printTrainSummary(out: Output, s: TrainSummary, o: Pick<TrainOptions, 'sample' | 'threshold' | 'beta' | 'experiment'>): void {
  out.line(`Trained on ${s.trainDays.join(', ')} (${s.trainRows} rows, ${s.trainFrauds} frauds; sample ${o.sample}); tested on ${s.testDay} (${s.testRows} rows, ${s.testFrauds} frauds).`);
  out.table(
    ['best', 'trial', 'trees', 'depth', 'roc_auc', 'pr_auc', 'f_beta', 'seconds'],
    s.trials.map((r) => [r.trial === s.best.trial ? '*' : '', r.trial, r.n_estimators, r.max_depth, fmt(r.metrics.roc_auc), fmt(r.metrics.pr_auc), fmt(r.metrics.f_beta), r.fitSeconds.toFixed(1)]),
  );
  const bm = s.best.metrics;
  out.line(`Best: trial ${s.best.trial} — ROC AUC ${fmt(bm.roc_auc)}, PR AUC ${fmt(bm.pr_auc)}; at threshold ${o.threshold}: precision ${fmt(bm.precision)}, recall ${fmt(bm.recall)}, F1 ${fmt(bm.f1)}, F${o.beta} ${fmt(bm.f_beta)}.`);
  printImportances(out, s.importances);
  out.line(`MLflow: experiment '${o.experiment}' in ${s.trackingUri}, parent run ${s.parentRunId}.`);
  const p = s.promotion;
  if (s.registered) out.line(`Registered ${s.registered.name} version ${s.registered.version}${p ? `; ${p.promoted ? 'promoted to champion' : 'not promoted'}: ${p.reason}` : ''}.`);
}
