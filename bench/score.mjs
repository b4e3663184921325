// bench/score: scoring one course-scale day (about 1.5 M transactions) with a 100-tree, depth-10
// model, including the marts join and the parquet write (the marts of D-1 are built beforehand).
// Target: at most 10 s wall.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, median, peakRssMb } from './_cli.mjs';

const dir = mkdtempSync(join(tmpdir(), 'fraudctl-bench-score-'));
const lake = join(dir, 'lake');
const mlruns = join(dir, 'mlruns');
const customers = Number(process.env.BENCH_CUSTOMERS ?? 1_000_000);
try {
  await cli(['simulate', '--start', '2025-01-01', '--days', '5', '--customers', String(customers), '--terminals', '1000', '--seed', '11', '--lake', lake]);
  await cli(['train', '--days', '1', '--test-day', '2025-01-04', '--max-evals', '1', '--trees', '100:100', '--depth', '10:10', '--sample', '0.5', '--allow-partial-history', '--lake', lake, '--tracking-uri', mlruns]);
  await cli(['marts', 'build', '--date', '2025-01-04', '--allow-partial-history', '--lake', lake]);
  const times = [];
  let last;
  for (let i = 0; i < 3; i++) {
    last = await cli(['score', '--date', '2025-01-05', '--no-build-marts', '--lake', lake, '--tracking-uri', mlruns]);
    times.push(last.seconds);
  }
  console.log(`scored ${last.summary.transactions} transactions; predict ${last.summary.predictSeconds} s`);
  console.log(`score wall time: median ${median(times).toFixed(2)} s of ${times.map((t) => t.toFixed(2)).join(', ')} (target <= 10 s); peak RSS ${peakRssMb()} MB`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
