// What train's plots, importances and report add after the search (issue 16: "at most a few
// seconds"), on a test window of the size bench/train uses (1.5 M rows a day) and a forest of the
// default search's middle (150 trees, depth 12). Each step is timed on its own; medians of 3.
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
