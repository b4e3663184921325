// What train's plots, importances and report add after the search (issue 16: "at most a few
// seconds"). Two parts:
//  1. A default `fraudctl train` (every search option at its default) on a simulated
//     handbook-scale lake, --runs times: the whole command's wall time beside the part of it that
//     is plots + importances + report (train times that phase itself: summary.reportSeconds), so
//     "without" is the same run minus that phase. Medians.
//  2. Each step on its own at course scale: a 1.5 M-row test window and a forest of the default
//     search's middle (150 trees, depth 12); medians of 3.
//   npm run build && flock /tmp/fraudctl-bench.lock node bench/report.mjs [--customers 5000] [--runs 3] [--skip-steps]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cli, median as median2 } from './_cli.mjs';
import { trainForest, predictParallel } from '../dist/model/forest/index.js';
import { evaluationCurves } from '../dist/plots/curves.js';
import { evaluationCharts } from '../dist/plots/chartSpecs.js';
import { renderCharts } from '../dist/plots/renderCharts.js';
import { permutationImportance } from '../dist/explain/permutationImportance.js';
import { Rng } from '../dist/util/rng.js';

const TEST_ROWS = Number(process.env.BENCH_TEST_ROWS ?? 1_500_000);
const NF = 15;
function table(n, seed) {
  const rng = new Rng(seed);
  const columns = Array.from({ length: NF }, () => new Float64Array(n));
  const labels = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    for (let f = 0; f < NF; f++) columns[f][r] = rng.next() * 10;
    labels[r] = rng.next() < 0.004 + 0.002 * columns[0][r] ? 1 : 0;
  }
  return { nRows: n, featureNames: Array.from({ length: NF }, (_, f) => `f${f}`), columns, labels };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function time(fn) {
  const t = [];
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now();
    await fn();
    t.push((performance.now() - t0) / 1000);
  }
  return median(t);
}
const { values: a } = parseArgs({ options: { customers: { type: 'string', default: '5000' }, runs: { type: 'string', default: '3' }, 'skip-steps': { type: 'boolean', default: false } } });
{
  const dir = mkdtempSync(join(tmpdir(), 'fraudctl-bench-report-'));
  const lake = join(dir, 'lake');
  try {
    const c = Number(a.customers);
    await cli(['simulate', '--start', '2025-01-01', '--days', '60', '--customers', String(c), '--terminals', String(2 * c), '--seed', '1', '--lake', lake]);
    const totals = [];
    const reports = [];
    let s;
    for (let r = 0; r < Number(a.runs); r++) {
      // A fresh MLflow store each run, so every run is a first registration (no promotion work differs).
      const t = await cli(['train', '--lake', lake, '--tracking-uri', join(dir, `mlruns-${r}`), '--test-day', '2025-03-01']);
      totals.push(t.seconds);
      reports.push(t.summary.reportSeconds);
      s = t.summary;
    }
    const T = median2(totals);
    const R = median2(reports);
    console.log(`default train on ${c} customers (train ${s.timeline.train.rows ?? '?'} rows, test ${s.timeline.test.rows ?? '?'} rows; best ${s.best.n_estimators} trees depth ${s.best.max_depth}); medians of ${a.runs} (s):`);
    console.log(`  train, whole command            ${T.toFixed(2)}   (runs: ${totals.map((x) => x.toFixed(1)).join(', ')})`);
    console.log(`  of which plots+importance+report ${R.toFixed(2)}   (runs: ${reports.map((x) => x.toFixed(2)).join(', ')})`);
    console.log(`  without them                     ${(T - R).toFixed(2)}   (+${((100 * R) / (T - R)).toFixed(1)} % with them)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
if (a['skip-steps']) process.exit(0);
const train = table(300_000, 1);
const test = table(TEST_ROWS, 2);
const model = await trainForest(train, { nTrees: 150, maxDepth: 12, seed: 1 });
let scores;
const tPredict = await time(async () => (scores = await predictParallel(model, test.columns, test.nRows)));
let curves;
const tCurves = await time(() => (curves = evaluationCurves(test.labels, scores, { threshold: 0.2, beta: 1.5 })));
const tPerm = await time(() => permutationImportance(model, test.columns, test.labels, test.nRows, { seed: 1, maxRows: 100_000 }));
const charts = evaluationCharts(curves, { roc_auc: 0.9, pr_auc: 0.5 }, model.featureNames.map((f) => ({ feature: f, impurity: 1 / NF, rocAucDrop: 0, prAucDrop: 0 })));
const tRender = await time(() => renderCharts(charts));
console.log(`test window ${TEST_ROWS} rows, forest 150 trees depth 12, 2 cores; medians of 3 (s):`);
console.log(`  predict test window   ${tPredict.toFixed(2)}`);
console.log(`  curves (ROC/PR/…)     ${tCurves.toFixed(2)}`);
console.log(`  permutation (100 k)   ${tPerm.toFixed(2)}`);
console.log(`  6 charts SVG + PNG    ${tRender.toFixed(2)}`);
console.log(`  total                 ${(tPredict + tCurves + tPerm + tRender).toFixed(2)}`);
