// bench/train: one `train --days 3 --max-evals 5` at course scale (1,000,000 customers, 1,000
// terminals, about 1.5 M transactions a day). Simulates 6 days into a temp lake, then trains with
// --allow-partial-history (the marts' history is shorter than 37 days; the training work is the same).
// Prints wall time (simulation and training separately) and the process's peak RSS.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, peakRssMb } from './_cli.mjs';

const dir = mkdtempSync(join(tmpdir(), 'fraudctl-bench-train-'));
const lake = join(dir, 'lake');
const customers = Number(process.env.BENCH_CUSTOMERS ?? 1_000_000);
try {
  const sim = await cli(['simulate', '--start', '2025-01-01', '--days', '6', '--customers', String(customers), '--terminals', '1000', '--seed', '7', '--lake', lake]);
  console.log(`simulated ${sim.summary.transactions} transactions (6 days) in ${sim.seconds.toFixed(1)} s`);
  const t = await cli(['train', '--days', '3', '--test-day', '2025-01-06', '--max-evals', '5', '--allow-partial-history', '--lake', lake, '--tracking-uri', join(dir, 'mlruns')]);
  const s = t.summary;
  console.log(`train: ${s.trainRows} train rows (${s.trainFrauds} frauds), ${s.testRows} test rows; marts built, 5 trials`);
  for (const tr of s.trials) console.log(`  trial ${tr.trial}: ${tr.n_estimators} trees, depth ${tr.max_depth}: fit ${tr.fitSeconds.toFixed(1)} s, ROC AUC ${tr.metrics.roc_auc?.toFixed(4)}`);
  console.log(`train wall time: ${t.seconds.toFixed(1)} s; peak RSS of the process: ${peakRssMb()} MB`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
