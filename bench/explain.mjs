// What `score --explain` costs on a day: the same day scored with and without it, side by side,
// medians of --runs, on a simulated handbook-scale lake with a forest of the default search's
// middle (150 trees, depth 12). TreeSHAP runs on the flagged rows only, so its cost is
// (flagged rows) × (per-row cost); both are printed, and the per-row figure gives other day sizes.
//   npm run build && flock /tmp/fraudctl-bench.lock node bench/explain.mjs [--customers 5000] [--runs 3] [--threshold 0.2]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cli, median } from './_cli.mjs';

const { values: a } = parseArgs({ options: { customers: { type: 'string', default: '5000' }, runs: { type: 'string', default: '3' }, threshold: { type: 'string', default: '0.2' }, trees: { type: 'string', default: '150' }, depth: { type: 'string', default: '12' } } });
const dir = mkdtempSync(join(tmpdir(), 'fraudctl-bench-explain-'));
const lake = join(dir, 'lake');
const base = ['--lake', lake, '--tracking-uri', join(dir, 'mlruns')];
const customers = Number(a.customers);
try {
  await cli(['simulate', '--start', '2025-01-01', '--days', '70', '--customers', String(customers), '--terminals', String(customers * 2), '--seed', '1', '--lake', lake]);
  const day = '2025-03-11';
  const t = await cli(['train', ...base, '--days', '7', '--test-day', '2025-03-10', '--max-evals', '1', '--trees', `${a.trees}:${a.trees}`, '--depth', `${a.depth}:${a.depth}`, '--no-register', '--out', join(dir, 'model')]);
  const model = ['--model', join(dir, 'model'), '--threshold', a.threshold, '--date', day];
  await cli(['score', ...base, ...model]); // builds the marts of D-1 once, outside the timings
  const plain = [];
  const explained = [];
  let s;
  for (let r = 0; r < Number(a.runs); r++) {
    plain.push((await cli(['score', ...base, ...model])).seconds);
    const e = await cli(['score', ...base, ...model, '--explain']);
    explained.push(e.seconds);
    s = e.summary;
  }
  const perRow = s.explain.rows ? (1000 * s.explain.seconds) / s.explain.rows : 0;
  console.log(`day ${day}: ${s.transactions} transactions, ${s.explain.rows} flagged at ${a.threshold} (${((100 * s.explain.rows) / s.transactions).toFixed(2)} %); forest ${a.trees} trees depth ${a.depth} (test ROC AUC ${t.summary.test.pooled.roc_auc.toFixed(3)})`);
  console.log(`medians of ${a.runs}, wall seconds of the whole command:`);
  console.log(`  score            ${median(plain).toFixed(2)}`);
  console.log(`  score --explain  ${median(explained).toFixed(2)}  (+${(median(explained) - median(plain)).toFixed(2)} s, ×${(median(explained) / median(plain)).toFixed(2)})`);
  console.log(`  TreeSHAP         ${s.explain.seconds.toFixed(2)} s for ${s.explain.rows} rows = ${perRow.toFixed(1)} ms a flagged row (one thread)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
