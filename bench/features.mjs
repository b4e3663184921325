// Feature presets side by side on the handbook's protocol: train 2018-07-25 … 07-31, label delay
// 7, test 2018-08-08 … 08-14, on the handbook simulator's book run (5,000 customers, 10,000
// terminals, from 2018-04-01). The same forest (100 trees, depth 20, seed 0) for every preset;
// ROC AUC, average precision and card precision@100, and each preset's mart build time.
// Run `npm run build` first. Usage:
//   flock /tmp/fraudctl-bench.lock node bench/features.mjs [--dir DIR] [--features handbook,seed,union] [--trees 100] [--depth 20] [--threads N]
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    dir: { type: 'string', default: '/tmp/fraudctl-bench-features' },
    features: { type: 'string', default: 'handbook,seed,union' },
    trees: { type: 'string', default: '100' },
    depth: { type: 'string', default: '20' },
    threads: { type: 'string', default: String(cpus().length) },
  },
});

const { openDb } = await import('../dist/lake/db.js');
const { LocalLake } = await import('../dist/lake/localLake.js');
const { dayRange, addDays } = await import('../dist/util/dates.js');
const { createLogger } = await import('../dist/log.js');
const { presetSpec } = await import('../dist/features/loadFeatureSpec.js');
const { buildMartsForDays } = await import('../dist/features/marts.js');
const { loadFeatureRows } = await import('../dist/features/assemble.js');
const { trainForest, predictParallel } = await import('../dist/model/forest/index.js');
const { computeMetrics } = await import('../dist/model/metrics.js');

const TRAIN = dayRange('2018-07-25', '2018-07-31');
const TEST = dayRange('2018-08-08', '2018-08-14');
const DELAY = 7;
const threads = Number(args.threads);
const lakeDir = `${args.dir}/lake`;
const lake = new LocalLake(lakeDir);
const log = createLogger({ level: 'silent', stream: new PassThrough() });

if (!(await lake.has('transactions', '2018-08-14'))) {
  console.log(`simulating the book run into ${lakeDir} …`);
  const bin = fileURLToPath(new URL('../bin/fraudctl', import.meta.url));
  const r = spawnSync(process.execPath, [bin, 'simulate', '--start', '2018-04-01', '--days', '136', '--customers', '5000', '--terminals', '10000', '--seed', '0', '--lake', lakeDir, '--quiet'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
}

/**
 * Card precision@100 (handbook): per test day, each card's highest score and whether it had a
 * fraud that day; the share of frauds among the 100 highest cards; the mean over days. (The
 * handbook also drops cards already known compromised; this does not.)
 */
function cardPrecisionAt100(days, scores) {
  let off = 0;
  const per = [];
  for (const d of days) {
    const cards = new Map();
    for (let i = 0; i < d.n; i += 1) {
      const id = d.customerId[i];
      const c = cards.get(id) ?? { s: -1, y: 0 };
      c.s = Math.max(c.s, scores[off + i]);
      c.y = Math.max(c.y, d.labels[i]);
      cards.set(id, c);
    }
    off += d.n;
    const top = [...cards.values()].sort((a, b) => b.s - a.s).slice(0, 100);
    per.push(top.reduce((s, c) => s + c.y, 0) / 100);
  }
  return per.reduce((a, b) => a + b, 0) / per.length;
}

function stack(days, names) {
  const n = days.reduce((s, d) => s + d.n, 0);
  const columns = names.map(() => new Float64Array(n));
  const labels = new Uint8Array(n);
  let off = 0;
  for (const d of days) {
    d.columns.forEach((c, j) => columns[j].set(c, off));
    labels.set(d.labels, off);
    off += d.n;
  }
  return { nRows: n, featureNames: names, columns, labels };
}

const db = await openDb({ threads });
const rows = [];
for (const preset of args.features.split(',')) {
  const spec = presetSpec(preset);
  const martDays = [...TRAIN, ...TEST].map((d) => addDays(d, -1));
  const t0 = performance.now();
  await buildMartsForDays(db, lake, [...new Set(martDays)].sort(), { spec, delay: DELAY, allowPartialHistory: false, overwrite: true, log });
  const martSeconds = (performance.now() - t0) / 1000 / new Set(martDays).size;
  const train = [];
  for (const d of TRAIN) train.push(await loadFeatureRows(db, lake, d, spec));
  const test = [];
  for (const d of TEST) test.push(await loadFeatureRows(db, lake, d, spec));
  const names = train[0].featureNames;
  const trainSet = stack(train, names);
  const testSet = stack(test, names);
  const t1 = performance.now();
  const model = await trainForest(trainSet, { nTrees: Number(args.trees), maxDepth: Number(args.depth), minSamplesLeaf: 1, seed: 0, threads });
  const fitSeconds = (performance.now() - t1) / 1000;
  const scores = await predictParallel(model, testSet.columns, testSet.nRows, { threads });
  const m = computeMetrics(testSet.labels, scores, { threshold: 0.5, beta: 1 });
  const row = { preset, features: names.length, trainRows: trainSet.nRows, testRows: testSet.nRows, testFrauds: testSet.labels.reduce((s, x) => s + x, 0), rocAuc: m.roc_auc, ap: m.pr_auc, cp100: cardPrecisionAt100(test, scores), martSecondsPerDay: martSeconds, fitSeconds };
  rows.push(row);
  console.log(JSON.stringify(row));
}
db.close();
console.log('\npreset     features  ROC AUC   AP      CP@100  marts s/day  fit s');
for (const r of rows) console.log(`${r.preset.padEnd(10)} ${String(r.features).padStart(8)}  ${r.rocAuc.toFixed(4)}  ${r.ap.toFixed(4)}  ${r.cp100.toFixed(3)}   ${r.martSecondsPerDay.toFixed(2).padStart(8)}   ${r.fitSeconds.toFixed(1)}`);
