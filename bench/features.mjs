// Feature presets side by side on the handbook's protocol: train 2018-07-25 … 07-31, label delay
// 7, test 2018-08-08 … 08-14, on the handbook simulator (default: its book run, 5,000 customers,
// 10,000 terminals, from 2018-04-01). The same forest (fixed hyperparameters, no search, so
// nothing is selected on the test week) with the same seed for every preset; ROC AUC, average
// precision and card precision@100 on the test week, and each preset's mart build time.
// Card precision@100 is the handbook's: per test day, the 100 cards with the highest score, cards
// found compromised on an earlier test day left out (src/model/evaluate.ts evaluateWindow).
// A course-shaped run: 1,000 terminals as in the course data (so 2 compromised a day is the
// course's scenario-2 share) and as many customers as time allows, e.g.
//   --dir /tmp/fraudctl-bench-features-course --customers 50000 --terminals 1000 --start 2018-06-01
// Run `npm run build` first. Usage:
//   flock /tmp/fraudctl-bench.lock node bench/features.mjs [--dir DIR] [--customers 5000] [--terminals 10000] [--start 2018-04-01] [--sim-seed 0]
//     [--features handbook,seed,union] [--trees 100] [--depth 20] [--seed 0] [--threads N]
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
    customers: { type: 'string', default: '5000' },
    terminals: { type: 'string', default: '10000' },
    start: { type: 'string', default: '2018-04-01' },
    'sim-seed': { type: 'string', default: '0' },
    seed: { type: 'string', default: '0' },
  },
});

const { openDb } = await import('../dist/lake/db.js');
const { LocalLake } = await import('../dist/lake/localLake.js');
const { dayRange, addDays, daysBetween } = await import('../dist/util/dates.js');
const { createLogger } = await import('../dist/log.js');
const { presetSpec } = await import('../dist/features/loadFeatureSpec.js');
const { buildMartsForDays } = await import('../dist/features/marts.js');
const { loadFeatureRows } = await import('../dist/features/assemble.js');
const { trainForest, predictParallel } = await import('../dist/model/forest/index.js');
const { evaluateWindow } = await import('../dist/model/evaluate.js');

const TRAIN = dayRange('2018-07-25', '2018-07-31');
const TEST = dayRange('2018-08-08', '2018-08-14');
const DELAY = 7;
const threads = Number(args.threads);
const lakeDir = `${args.dir}/lake`;
const lake = new LocalLake(lakeDir);
const log = createLogger({ level: 'silent', stream: new PassThrough() });

if (!(await lake.has('transactions', '2018-08-14'))) {
  const days = String(daysBetween(args.start, '2018-08-14') + 1);
  console.log(`simulating ${args.customers} customers, ${args.terminals} terminals, ${args.start} … 2018-08-14 into ${lakeDir} …`);
  const bin = fileURLToPath(new URL('../bin/fraudctl', import.meta.url));
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [bin, 'simulate', '--start', args.start, '--days', days, '--customers', args.customers, '--terminals', args.terminals, '--seed', args['sim-seed'], '--lake', lakeDir, '--quiet'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  console.log(`simulated in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
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
  const model = await trainForest(trainSet, { nTrees: Number(args.trees), maxDepth: Number(args.depth), minSamplesLeaf: 1, seed: Number(args.seed), threads });
  const fitSeconds = (performance.now() - t1) / 1000;
  const scores = await predictParallel(model, testSet.columns, testSet.nRows, { threads });
  let off = 0;
  const scored = test.map((d, i) => {
    const part = { day: TEST[i], labels: d.labels, scores: scores.slice(off, off + d.n), cards: d.customerId, txIds: d.transactionId };
    off += d.n;
    return part;
  });
  const m = evaluateWindow(scored, { threshold: 0.5, beta: 1, k: 100, bootstrap: 0, seed: 0 }).pooled;
  const row = { preset, features: names.length, trainRows: trainSet.nRows, trainFrauds: trainSet.labels.reduce((s, x) => s + x, 0), testRows: testSet.nRows, testFrauds: m.frauds, rocAuc: m.roc_auc, ap: m.pr_auc, cp100: m.card_precision_at_k, martSecondsPerDay: martSeconds, fitSeconds };
  rows.push(row);
  console.log(JSON.stringify(row));
}
db.close();
console.log(`\n${args.customers} customers, ${args.terminals} terminals; ${rows[0]?.trainRows} train rows, ${rows[0]?.testRows} test rows (${rows[0]?.testFrauds} frauds); forest ${args.trees} trees, depth ${args.depth}, seed ${args.seed}`);
console.log('preset     features  ROC AUC   AP      CP@100  marts s/day  fit s');
for (const r of rows) console.log(`${r.preset.padEnd(10)} ${String(r.features).padStart(8)}  ${r.rocAuc.toFixed(4)}  ${r.ap.toFixed(4)}  ${r.cp100.toFixed(3)}   ${r.martSecondsPerDay.toFixed(2).padStart(8)}   ${r.fitSeconds.toFixed(1)}`);
