// bench/train: one `train --days 3 --max-evals 5` at course scale (about 1.5 M transactions a day:
// 775,000 simulated customers make ~1.5 M a day with 1,000 terminals). Simulates 45 days, so every
// mart has its full 37-day history (the terminal risk features need it), then trains with the
// defaults (sample 0.5, trees 50:300, depth 4:20, TPE after 2 random trials). Prints wall times
// (simulation, training with the marts build and data loading) and the process's peak RSS.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, peakRssMb } from './_cli.mjs';

const dir = mkdtempSync(join(tmpdir(), 'fraudctl-bench-train-'));
const lake = join(dir, 'lake');
const customers = Number(process.env.BENCH_CUSTOMERS ?? 775_000);
const days = 45;
try {
  const sim = await cli(['simulate', '--start', '2025-01-01', '--days', String(days), '--customers', String(customers), '--terminals', '1000', '--seed', '7', '--lake', lake]);
  console.log(`simulated ${sim.summary.transactions} transactions (${days} days, ${customers} customers) in ${sim.seconds.toFixed(1)} s`);
  const t = await cli(['train', '--days', '3', '--test-day', '2025-02-14', '--max-evals', '5', '--lake', lake, '--tracking-uri', join(dir, 'mlruns')]);
  const s = t.summary;
  console.log(`train: ${s.trainRows} train rows (${s.trainFrauds} frauds), ${s.testRows} test rows (${s.testFrauds} frauds); 4 mart days built, 5 trials`);
  for (const tr of s.trials) console.log(`  trial ${tr.trial}: ${tr.n_estimators} trees, depth ${tr.max_depth}: fit ${tr.fitSeconds.toFixed(1)} s, ROC AUC ${tr.metrics.roc_auc?.toFixed(4)}, PR AUC ${tr.metrics.pr_auc?.toFixed(4)}`);
  console.log(`train wall time: ${t.seconds.toFixed(1)} s; peak RSS of the process: ${peakRssMb()} MB`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
