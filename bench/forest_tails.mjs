// bench/forest_tails: issue 13.1's table — does the forest learn the handbook's rare-tail rule
// (scenario 1: every amount > 220 is a fraud) as scikit-learn's exact splitter does?
//
//   node bench/forest_tails.mjs [--lake DIR] [--trees 100] [--depth 20] [--threads 2] [--seeds 3]
//                               [--binning default,quantile,0.005:0.25,...] [--no-python]
//
// Simulates the handbook's reference lake (2018-04-01, 136 days, 5,000 customers, 10,000 terminals,
// seed 1; into DIR when given and kept there, else a temp dir), builds the marts, and loads the
// features with fraudctl's own loader (loadFeatureRows: day D joined with the marts of D-1): train
// 2018-07-25…31, test 2018-08-08 (gap 7). Fits fraudctl's forest once per binning (`default`, `quantile`
// = plain quantile bins, or TAIL_FRACTION:TAIL_SHARE) and scikit-learn's RandomForestClassifier on the
// same rows and params (bench/forest_tails.py, venv `bench`: scripts/pyenv.sh bench), then prints
// ROC AUC, average precision (both computed by scikit-learn for every model), the mean score of
// scenario-1 frauds and of genuine transactions with amount 200–220: each the mean over seeds
// 1…N of both libraries (one test day of ~80 frauds is noisy: single-seed AUCs move by ±0.01), with
// the range. --depth 0 = unlimited (scikit-learn's default max_depth=None; fraudctl's deepest is 64).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli } from './_cli.mjs';
import { loadFeatureRows } from '../dist/features/assemble.js';
import { FEATURE_NAMES } from '../dist/features/spec.js';
import { openDb } from '../dist/lake/db.js';
import { LocalLake } from '../dist/lake/localLake.js';
import { DEFAULT_BINNING, QUANTILE_BINNING, trainForest } from '../dist/model/forest/index.js';
import { stackDays } from '../dist/train/trainingSet.js';
import { addDays } from '../dist/util/dates.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const TRAIN_DAYS = ['2018-07-25', '2018-07-26', '2018-07-27', '2018-07-28', '2018-07-29', '2018-07-30', '2018-07-31'];
const TEST_DAY = '2018-08-08';

function option(args, name, fallback) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
}

function parseBinning(s) {
  if (s === 'default') return DEFAULT_BINNING;
  if (s === 'quantile') return QUANTILE_BINNING;
  const [tailFraction, tailShare] = s.split(':').map(Number);
  if (!(tailFraction >= 0 && tailShare >= 0)) throw new Error(`--binning: ${s} is not default, quantile or FRACTION:SHARE`);
  return { tailFraction, tailShare };
}

async function ensureLake(lakeDir) {
  if (!existsSync(join(lakeDir, 'transactions', 'date=2018-08-14'))) {
    await cli(['simulate', '--start', '2018-04-01', '--days', '136', '--customers', '5000', '--terminals', '10000', '--seed', '1', '--lake', lakeDir]);
  }
  const martDays = [...TRAIN_DAYS, TEST_DAY].map((d) => addDays(d, -1));
  for (const d of martDays) if (!existsSync(join(lakeDir, 'features/customer', `date=${d}`))) await cli(['marts', 'build', '--date', d, '--lake', lakeDir]);
}

/** Feature rows of the days, stacked, and the scenario of each row (0 genuine, 1…3). */
async function load(lakeDir, days) {
  const lake = new LocalLake(lakeDir);
  const db = await openDb({});
  try {
    const rows = [];
    const scenario = [];
    for (const d of days) {
      rows.push(await loadFeatureRows(db, lake, d));
      // loadFeatureRows keeps the partition's row order, so file_row_number order lines up.
      const [path] = await lake.pathsForRead('transactions', [d]);
      const s = await db.all(`SELECT tx_fraud_scenario AS s FROM read_parquet($p, file_row_number = true) ORDER BY file_row_number`, { p: path });
      scenario.push(...s.map((r) => Number(r.s)));
    }
    return { data: stackDays(rows), scenario: Uint8Array.from(scenario) };
  } finally {
    db.close();
  }
}

function writeMatrix(dir, name, { data, scenario }) {
  const x = new Float64Array(data.nRows * data.columns.length);
  data.columns.forEach((c, f) => x.set(c.subarray(0, data.nRows), f * data.nRows));
  writeFileSync(join(dir, `X-${name}.f64`), x);
  writeFileSync(join(dir, `y-${name}.u8`), data.labels);
  writeFileSync(join(dir, `s-${name}.u8`), scenario);
}

const args = process.argv.slice(2);
const nTrees = Number(option(args, '--trees', '100'));
const depth = Number(option(args, '--depth', '20'));
const seeds = Number(option(args, '--seeds', '3'));
const threads = Number(option(args, '--threads', '2'));
const binnings = option(args, '--binning', 'default,quantile').split(',');
const tmp = mkdtempSync(join(tmpdir(), 'fraudctl-bench-tails-'));
const lakeDir = resolve(option(args, '--lake', join(tmp, 'lake')));
try {
  await ensureLake(lakeDir);
  const train = await load(lakeDir, TRAIN_DAYS);
  const test = await load(lakeDir, [TEST_DAY]);
  writeMatrix(tmp, 'train', train);
  writeMatrix(tmp, 'test', test);
  console.log(`train ${TRAIN_DAYS[0]}…${TRAIN_DAYS.at(-1)}: ${train.data.nRows} rows; test ${TEST_DAY}: ${test.data.nRows} rows; ${nTrees} trees, depth ${depth || 'unlimited'}; means over seeds 1…${seeds} [min–max]`);
  const models = [];
  for (const name of binnings) {
    const binning = parseBinning(name);
    let seconds = 0;
    let model;
    for (let seed = 1; seed <= seeds; seed++) {
      const t0 = performance.now();
      model = await trainForest(train.data, { nTrees, maxDepth: depth || 64, seed, threads }, { binning });
      seconds += (performance.now() - t0) / 1000 / seeds;
      const p = model.predict(test.data.columns, test.data.nRows);
      writeFileSync(join(tmp, `p-${models.length}-${seed}.f64`), p);
    }
    const amountEdges = model.parts.binEdges[FEATURE_NAMES.indexOf('tx_amount')];
    models.push({ name: `fraudctl forest, binning ${name} (${binning.tailFraction}:${binning.tailShare})`, seconds, topAmountEdges: Array.from(amountEdges.slice(-4), (e) => e.toFixed(2)) });
  }
  const py = args.includes('--no-python') ? undefined : join(root, '.venv/bench/bin/python');
  if (py && !existsSync(py)) throw new Error(`${py} is missing: run scripts/pyenv.sh bench (or pass --no-python)`);
  const r = spawnSync(py ?? 'python3', [join(here, 'forest_tails.py'), tmp, String(models.length), String(nTrees), String(depth), String(threads), String(seeds), py ? 'sklearn' : 'none'], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`forest_tails.py failed (${r.status}):\n${r.stderr}`);
  const rows = JSON.parse(r.stdout.trim().split('\n').pop());
  const lines = ['| same rows, same features | fit s | ROC AUC | average precision | mean score of scenario-1 frauds | mean score of genuine tx with amount 200–220 | top tx_amount edges |', '|---|---|---|---|---|---|---|'];
  const stat = (v, d = 4) => `${v.mean.toFixed(d)} [${v.min.toFixed(d)}–${v.max.toFixed(d)}]`;
  for (const row of rows) {
    const m = row.model === 'sklearn' ? { name: `scikit-learn RandomForest, ${nTrees} trees`, seconds: row.seconds, topAmountEdges: ['exact'] } : models[row.model];
    lines.push(`| ${m.name} | ${m.seconds.toFixed(1)} | ${stat(row.auc)} | ${stat(row.ap)} | ${stat(row.s1, 3)} | ${stat(row.genuine200, 3)} (${row.nGenuine200} tx) | ${m.topAmountEdges.join(', ')} |`);
  }
  console.log(lines.join('\n'));
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
