// train --negative-sample R at R = 1, 0.1, 0.01 on one simulated lake: test ROC AUC / PR AUC,
// train rows, fit seconds, and calibration (mean calibrated score on the test day vs its fraud
// rate). Run `npm run build` first. Usage:
//   node bench/spark-negative-sample.mjs [--customers 20000] [--days 7] [--dir /tmp/fraudctl-bench-negsample]
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cli } from './_cli.mjs';

const { values: args } = parseArgs({
  options: { customers: { type: 'string', default: '20000' }, days: { type: 'string', default: '7' }, dir: { type: 'string', default: '/tmp/fraudctl-bench-negsample' }, rates: { type: 'string', default: '1,0.1,0.01' }, trees: { type: 'string', default: '100' } },
});
const lake = join(args.dir, `c${args.customers}`);
const customers = Number(args.customers);
if (!existsSync(join(lake, 'transactions'))) {
  await cli(['simulate', '--start', '2025-01-01', '--days', '50', '--customers', String(customers), '--terminals', String(Math.round(customers / 2)), '--radius', '15', '--seed', '2', '--lake', lake]);
}
console.log(`train on ${args.days} days, test on the latest day; 1 trial, ${args.trees} trees, depth 12, --sample 1; lake ${lake}`);
console.log('R      train rows  train frauds  roc_auc  pr_auc  fit s  precision@0.2  recall@0.2');
for (const rate of args.rates.split(',')) {
  const { summary } = await cli([
    'train', '--lake', lake, '--days', args.days, '--negative-sample', rate, '--sample', '1', '--max-evals', '1', '--startup-trials', '1',
    '--trees', args.trees + ':' + args.trees, '--depth', '12:12', '--no-register', '--allow-partial-history', '--tracking-uri', join(args.dir, 'mlruns'),
  ]);
  const m = summary.best.metrics;
  const t = summary.trials[0];
  console.log(`${rate.padEnd(5)}  ${String(summary.trainRows).padStart(10)}  ${String(summary.trainFrauds).padStart(12)}  ${m.roc_auc.toFixed(4)}   ${m.pr_auc.toFixed(4)}  ${t.fitSeconds.toFixed(1).padStart(5)}  ${String(m.precision?.toFixed(3)).padStart(13)}  ${String(m.recall?.toFixed(3)).padStart(10)}`);
}
