// bench/forest: the forest engine (issue 4) — training and prediction time, peak memory and test
// ROC AUC at 250 k, 1 M and 2.5 M rows, 100 trees of depth 10, at 1 and 2 threads — side by side
// with scikit-learn's RandomForestClassifier and xgboost's hist random-forest mode on the same
// table when python3 has them (bench/forest_compare.py).
//
//   node bench/forest.mjs [--rows 250000,1000000,2500000] [--threads 1,2] [--repeat 3]
//                         [--sklearn-max-rows 1000000] [--no-python] [--lock /tmp/fraudctl-bench.lock]
//                         [--baseline OTHER/dist]
//
// --baseline: also time the engine of another build (e.g. a copy of dist/ from before a change),
// alternating with ours in the same run, and print its time and the ratio (the before/after table).
//
// The table is synthetic, 15 features named as fraudctl's, 0.8 % fraud, generated from a fixed seed
// (the smaller tables are prefixes of the largest); the test set is 200 k other rows. Every run is a
// child process of its own, for its peak RSS, under `flock LOCK` when --lock is given. scikit-learn
// takes ~9 min at 2.5 M rows and one thread, so by default it runs up to 1 M rows only.
// Last, how our cost grows (issue 19.5): seconds and peak MB per million rows at each size, per
// thread count, and whether that stays flat (linear growth) from the smallest size to the largest.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { rankScores } from '../dist/model/ranking.js';
import { generate, readTable, TEST_ROWS, writeTable } from './_forestTable.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const SCORE_ROWS = 1_500_000;
const PARAMS = { nTrees: 100, maxDepth: 10, seed: 1 };

// Not from _cli.mjs, which loads the whole CLI (DuckDB included) into every child process.
const median = (xs) => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1];

/**
 * Peak resident MB of this process: VmHWM, which starts afresh at exec. (getrusage's maxRSS is
 * kept across fork and exec on Linux, so a child would report at least its parent's peak — the
 * parent holds the largest table.)
 */
function peakMb() {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb) return Number(kb) / 1024;
  } catch {
    // not Linux: maxRSS below
  }
  return process.resourceUsage().maxRSS / 1024;
}

const seconds = async (fn) => {
  const t0 = performance.now();
  const value = await fn();
  return [(performance.now() - t0) / 1000, value];
};

/** One run of ours (or of the engine under `dist`), in this (child) process: prints a JSON line. */
async function child(rows, threads, dir, dist) {
  const { predictParallel, trainForest } = await import(dist ? pathToFileURL(join(dist, 'model/forest/index.js')).href : '../dist/model/forest/index.js');
  const train = readTable(dir, String(rows), rows);
  const test = readTable(dir, 'test', TEST_ROWS);
  const c0 = process.cpuUsage();
  const [trainS, model] = await seconds(() => trainForest(train, { ...PARAMS, threads }));
  const c1 = process.cpuUsage(c0);
  // CPU seconds of all threads: on a shared machine the 1-thread figure is what load does not inflate.
  const trainCpuS = (c1.user + c1.system) / 1e6;
  const trainPeakMb = peakMb();
  const [predictS, p] = await seconds(() => model.predict(test.columns, TEST_ROWS));
  const scoreRows = Math.min(rows, SCORE_ROWS);
  const [scoreS] = await seconds(() => model.predict(train.columns, scoreRows));
  const [scoreParS] = await seconds(() => predictParallel(model, train.columns, scoreRows, { threads }));
  const ranked = rankScores(test.labels, p, { delong: false });
  console.log(JSON.stringify({ trainS, trainCpuS, predictS, auc: ranked.roc_auc, ap: ranked.pr_auc, scoreRows, scoreS, scoreParS, trainPeakMb, peakMb: peakMb(), nodes: model.nodeCount(), sha256: createHash('sha256').update(model.toBuffer()).digest('hex') }));
}

function run(lock, cmd, args) {
  const [file, argv] = lock ? ['flock', [lock, cmd, ...args]] : [cmd, args];
  const r = spawnSync(file, argv, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function findPython() {
  // The bench venv first (scripts/pyenv.sh bench: pinned scikit-learn and xgboost).
  for (const py of [join(here, '../.venv/bench/bin/python'), 'python3', '/usr/bin/python3']) {
    if (spawnSync(py, ['-c', 'import sklearn, xgboost'], { stdio: 'ignore' }).status === 0) return py;
  }
  return undefined;
}

function option(args, name, fallback) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
}

async function parent(args) {
  const sizes = option(args, '--rows', '250000,1000000,2500000').split(',').map(Number);
  const threadCounts = option(args, '--threads', '1,2').split(',').map(Number);
  const repeat = Number(option(args, '--repeat', '3'));
  const sklearnMax = Number(option(args, '--sklearn-max-rows', '1000000'));
  const lock = option(args, '--lock', undefined);
  const baseline = option(args, '--baseline', undefined);
  const python = args.includes('--no-python') ? undefined : findPython();
  const dir = mkdtempSync(join(tmpdir(), 'fraudctl-bench-forest-'));
  try {
    const largest = Math.max(...sizes);
    const table = generate(largest, 1);
    let fraud = 0;
    for (const y of table.labels) fraud += y;
    console.log(`table: ${largest} rows, ${(100 * fraud / largest).toFixed(2)} % fraud; test: ${TEST_ROWS} rows; ${PARAMS.nTrees} trees, depth ${PARAMS.maxDepth}`);
    for (const n of sizes) writeTable(dir, String(n), table, n);
    writeTable(dir, 'test', generate(TEST_ROWS, 2), TEST_ROWS);
    if (!python) console.log('python3 with scikit-learn and xgboost not found: ours only');
    const rowsOut = [];
    for (const n of sizes) {
      for (const threads of threadCounts) {
        const py = (lib) => run(lock, python, [join(here, 'forest_compare.py'), lib, String(n), String(threads), dir, String(TEST_ROWS)]);
        // Ours and xgboost alternate, `repeat` times each (the machine is shared: medians).
        const ours = [];
        const base = [];
        const xgb = [];
        const self = [fileURLToPath(import.meta.url), '--child', String(n), String(threads), dir];
        for (let k = 0; k < repeat; k++) {
          ours.push(run(lock, process.execPath, self));
          if (baseline) base.push(run(lock, process.execPath, [...self, baseline]));
          if (python) xgb.push(py('xgboost'));
        }
        const sk = python && n <= sklearnMax ? py('sklearn') : undefined;
        const med = (runs) =>
          runs.length > 0
            ? { ...runs[0], trainS: median(runs.map((o) => o.trainS)), trainCpuS: median(runs.map((o) => o.trainCpuS)), runs: runs.map((o) => `${f(o.trainS)} s / ${f(o.trainCpuS)} CPU s`).join(', '), sha256s: runs.map((o) => o.sha256) }
            : undefined;
        const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
        const row = { n, threads, ours: med(ours), base: med(base), xgb: med(xgb), sk, load };
        rowsOut.push(row);
        printRow(row);
      }
    }
    console.log('\n' + markdownTable(rowsOut));
    console.log('\n' + growthTable(rowsOut));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const f = (v, d = 1) => (v === undefined ? '—' : v.toFixed(d));

function printRow({ n, threads, ours, base, xgb, sk, load }) {
  // Exactness: every run of ours (and of the baseline) must give the same model bytes.
  const shas = new Set([...ours.sha256s, ...(base?.sha256s ?? [])]);
  const verdict = shas.size === 1 ? (base ? 'identical in every run of ours and of the baseline' : 'identical in every run') : `DIFFERENT: ${[...shas].map((h) => h.slice(0, 16)).join(', ')}`;
  console.log(`${n} rows, ${threads} thread(s): model sha256 ${ours.sha256.slice(0, 16)}… — ${verdict}`);
  if (base) console.log(`${n} rows, ${threads} thread(s): baseline train ${f(base.trainS)} s, ${f(base.trainCpuS)} CPU s (ours ${(base.trainS / ours.trainS).toFixed(2)}× faster in wall time, ${(base.trainCpuS / ours.trainCpuS).toFixed(2)}× in CPU time), AUC ${f(base.auc, 4)}`);
  console.log(`${n} rows, ${threads} thread(s): every run's training, ours: ${ours.runs}${base ? `; baseline: ${base.runs}` : ''}${xgb ? `; xgboost: ${xgb.runs}` : ''}`);
  console.log(`${n} rows, ${threads} thread(s): CPU seconds of training: ours ${f(ours.trainCpuS)}, xgboost ${f(xgb?.trainCpuS)}, sklearn ${f(sk?.trainCpuS)}`);
  console.log(`load average after this row: ${load}`);
  console.log(
    `${n} rows, ${threads} thread(s): ours train ${f(ours.trainS)} s, AUC ${f(ours.auc, 4)}, peak ${f(ours.trainPeakMb, 0)} MB training, ${f(ours.peakMb, 0)} MB with scoring, ` +
      `scoring ${ours.scoreRows} rows ${f(ours.scoreS, 2)} s (${f(ours.scoreParS, 2)} s with predictParallel), ${ours.nodes} nodes | ` +
      `xgboost ${f(xgb?.trainS)} s AUC ${f(xgb?.auc, 4)} | sklearn ${f(sk?.trainS)} s AUC ${f(sk?.auc, 4)}`,
  );
}

function markdownTable(rows) {
  const lines = [
    '| rows | threads | load avg | baseline train s | ours train s | baseline/ours | xgboost s | sklearn s | sklearn/ours | xgboost/ours | AUC ours | AUC xgboost | AUC sklearn | AP ours / xgb / skl | peak MB ours (training) / xgb / skl | ours predict 200k s | ours score s (rows) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const { n, threads, ours, base, xgb, sk, load } of rows) {
    const ratio = (other) => (other ? `${(other.trainS / ours.trainS).toFixed(2)}×` : '—');
    lines.push(
      `| ${n} | ${threads} | ${load.split(' ')[0]} | ${f(base?.trainS)} | ${f(ours.trainS)} | ${base ? ratio(base) : '—'} | ${f(xgb?.trainS)} | ${f(sk?.trainS)} | ${ratio(sk)} | ${ratio(xgb)} | ${f(ours.auc, 4)} | ${f(xgb?.auc, 4)} | ${f(sk?.auc, 4)} | ${f(ours.ap, 3)} / ${f(xgb?.ap, 3)} / ${f(sk?.ap, 3)} | ` +
        `${f(ours.trainPeakMb, 0)} / ${f(xgb?.peakMb, 0)} / ${f(sk?.peakMb, 0)} | ${f(ours.predictS, 2)} | ${f(ours.scoreParS, 2)} (${ours.scoreRows}) |`,
    );
  }
  return lines.join('\n');
}

/** Cost per million rows at each size; growth is called linear while that stays within 25 % of the smallest size's. */
function growthTable(rows) {
  const lines = ['| threads | rows | train s | s per M rows | peak MB (training) | MB per M rows |', '|---|---|---|---|---|---|'];
  const verdicts = [];
  for (const threads of [...new Set(rows.map((r) => r.threads))]) {
    const mine = rows.filter((r) => r.threads === threads).sort((a, b) => a.n - b.n);
    for (const { n, ours } of mine) {
      lines.push(`| ${threads} | ${n} | ${f(ours.trainS)} | ${f(ours.trainS / (n / 1e6), 2)} | ${f(ours.trainPeakMb, 0)} | ${f(ours.trainPeakMb / (n / 1e6), 0)} |`);
    }
    if (mine.length > 1) {
      const [a, b] = [mine[0], mine[mine.length - 1]];
      const t = b.ours.trainS / b.n / (a.ours.trainS / a.n);
      const m = b.ours.trainPeakMb / a.ours.trainPeakMb;
      const word = (x) => (x <= 1.25 ? 'linear or better' : 'SUPER-LINEAR');
      verdicts.push(
        `${threads} thread(s), ${a.n} → ${b.n} rows (×${(b.n / a.n).toFixed(1)}): time per row ×${t.toFixed(2)} (${word(t)}); peak memory ×${m.toFixed(2)} (per row ×${(m / (b.n / a.n)).toFixed(2)}, ${word(m / (b.n / a.n))}; a fixed ~50 MB of runtime counts less at large sizes)`,
      );
    }
  }
  return [...lines, ...verdicts].join('\n');
}

const args = process.argv.slice(2);
if (args[0] === '--child') await child(Number(args[1]), Number(args[2]), args[3], args[4]);
else await parent(args);
