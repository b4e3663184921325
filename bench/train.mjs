// bench/train: the seed's search at course scale, whole command (issue 19.3, 19.4). Simulates a lake
// (default 650,000 customers: ~1.26 M transactions a day, 19 days, marts built with
// --allow-partial-history) unless --lake names one, then times `fraudctl train --days 2
// --max-evals 5` (sample 0.5, trees 50:300, depth 4:20, TPE after 2 random trials) as a child
// process of its own (wall time, peak RSS from /usr/bin/time), and `fraudctl score` of the test day.
// --baseline OTHER: also run OTHER/bin/fraudctl (a copy of an older build), alternating.
// --compare: rebuild the train matrix of the same days (bench/search_compare.py reads the lake's
// parquet itself, with DuckDB), draw each trial's 0.5 sample and fit xgboost's hist random forest
// and scikit-learn's random forest with that trial's trees and depth; prints their fit times
// beside the whole fraudctl command. --sklearn-trials K fits scikit-learn on the first K trials only
// (it takes minutes per trial at this size) and extrapolates the rest by trees × depth.
//
//   node bench/train.mjs [--lake DIR] [--customers 650000] [--threads 2] [--baseline DIR]
//                        [--compare] [--sklearn-trials 5] [--lock /tmp/fraudctl-bench.lock]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    lake: { type: 'string' },
    customers: { type: 'string', default: '650000' },
    threads: { type: 'string', default: '2' },
    baseline: { type: 'string' },
    compare: { type: 'boolean', default: false },
    'sklearn-trials': { type: 'string', default: '5' },
    lock: { type: 'string' },
  },
});
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** Runs `node BIN ARGS --json` (under flock LOCK): the summary, wall seconds, peak RSS in MB. */
function fraudctl(bin, argv, { timed = true } = {}) {
  const cmd = ['/usr/bin/time', '-f', '%e %M', process.execPath, bin, ...argv, '--json', '--log-level', 'warn'];
  const [file, rest] = timed && args.lock ? ['flock', [args.lock, ...cmd]] : [cmd[0], cmd.slice(1)];
  const r = spawnSync(file, rest, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`fraudctl ${argv.join(' ')} failed (${r.status}):\n${r.stderr}`);
  const [wall, kb] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { summary: JSON.parse(r.stdout.trim().split('\n').pop()), wall, peakMb: Math.round(kb / 1024), load: load() };
}

const ours = join(here, '../bin/fraudctl');
const dir = mkdtempSync(join(tmpdir(), 'fraudctl-bench-train-'));
try {
  const lake = args.lake ?? join(dir, 'lake');
  if (!args.lake) {
    const sim = fraudctl(ours, ['simulate', '--start', '2025-01-01', '--days', '19', '--customers', args.customers, '--terminals', '1000', '--seed', '7', '--lake', lake], { timed: false });
    console.log(`simulated ${sim.summary.transactions} transactions (19 days, ${args.customers} customers)`);
    fraudctl(ours, ['marts', 'build', '--from', '2025-01-01', '--to', '2025-01-18', '--allow-partial-history', '--lake', lake], { timed: false });
  }
  const engines = [['ours', ours], ...(args.baseline ? [['baseline', join(args.baseline, 'bin/fraudctl')]] : [])];
  const results = {};
  for (const [name, bin] of engines) {
    const mlruns = join(dir, `mlruns-${name}`);
    const train = fraudctl(bin, ['train', '--days', '2', '--max-evals', '5', '--threads', args.threads, '--no-build-marts', '--allow-partial-history', '--lake', lake, '--tracking-uri', mlruns]);
    const s = train.summary;
    console.log(`${name}: train ${train.wall.toFixed(1)} s wall, peak ${train.peakMb} MB (load ${train.load}); ${s.trainRows} train rows, ${s.testRows} test rows, test AUC ${s.test.pooled.roc_auc?.toFixed(4)}, AP ${s.test.pooled.pr_auc?.toFixed(4)}`);
    for (const t of s.trials) console.log(`  trial ${t.trial}: ${t.n_estimators} trees, depth ${t.max_depth}, ${t.trainRows} rows: fit ${t.fitSeconds.toFixed(1)} s, validation AUC ${t.validation.roc_auc?.toFixed(4)}`);
    const score = fraudctl(bin, ['score', '--date', s.testDay, '--no-build-marts', '--allow-partial-history', '--threads', args.threads, '--lake', lake, '--tracking-uri', mlruns]);
    console.log(`${name}: score of ${score.summary.transactions} rows ${score.wall.toFixed(1)} s wall (predict ${score.summary.predictSeconds} s), peak ${score.peakMb} MB (load ${score.load})`);
    results[name] = { train, score };
  }
  if (args.baseline) {
    const [a, b] = [results.ours, results.baseline];
    console.log(`before/after: train ${b.train.wall.toFixed(1)} → ${a.train.wall.toFixed(1)} s (${(b.train.wall / a.train.wall).toFixed(2)}×), peak ${b.train.peakMb} → ${a.train.peakMb} MB; score ${b.score.wall.toFixed(1)} → ${a.score.wall.toFixed(1)} s, peak ${b.score.peakMb} → ${a.score.peakMb} MB`);
  }
  if (args.compare) {
    const s = results.ours.train.summary;
    const python = join(here, '../.venv/bench/bin/python');
    if (!existsSync(python)) throw new Error(`${python} is missing: run scripts/pyenv.sh bench`);
    const trials = JSON.stringify(s.trials.map((t) => ({ trees: t.n_estimators, depth: t.max_depth, rows: t.trainRows })));
    const py = (lib, k) => {
      const argv = [join(here, 'search_compare.py'), lib, lake, s.trainDays.join(','), trials, args.threads, String(k)];
      const [file, rest] = args.lock ? ['flock', [args.lock, python, ...argv]] : [python, argv];
      const r = spawnSync(file, rest, { encoding: 'utf8', maxBuffer: 1 << 24 });
      if (r.status !== 0) throw new Error(`search_compare.py ${lib} failed:\n${r.stderr}`);
      return { ...JSON.parse(r.stdout.trim().split('\n').pop()), load: load() };
    };
    const xgb = py('xgboost', s.trials.length);
    const k = Math.min(s.trials.length, Number(args['sklearn-trials']));
    const sk = k > 0 ? py('sklearn', k) : undefined;
    const whole = results.ours.train.wall;
    console.log(`matrix rebuilt by search_compare.py: ${xgb.rows} rows (fraudctl: ${s.trainRows}), ${xgb.frauds} frauds`);
    console.log(`xgboost: 5 fits ${xgb.total.toFixed(1)} s (${xgb.fits.map((x) => x.toFixed(1)).join(', ')}; load ${xgb.load}) — fraudctl whole command ${whole.toFixed(1)} s: ${(xgb.total / whole).toFixed(2)}×`);
    if (sk) {
      // Extrapolated trials: the measured seconds per (tree × depth × row), applied to the others.
      const work = (t) => t.n_estimators * t.max_depth * t.trainRows;
      const done = s.trials.slice(0, k);
      const perWork = sk.total / done.reduce((a, t) => a + work(t), 0);
      const rest = s.trials.slice(k).reduce((a, t) => a + perWork * work(t), 0);
      const total = sk.total + rest;
      console.log(`scikit-learn: ${k} of ${s.trials.length} fits measured ${sk.total.toFixed(1)} s (${sk.fits.map((x) => x.toFixed(1)).join(', ')}; load ${sk.load})${k < s.trials.length ? `, the rest extrapolated ${rest.toFixed(0)} s` : ''}: ${total.toFixed(0)} s — ${(total / whole).toFixed(1)}× the fraudctl command`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
