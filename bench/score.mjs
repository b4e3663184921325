// bench/score: `fraudctl score` of one day with a 100-tree, depth-10 model, as a child process of its
// own (wall time, CPU seconds and peak RSS from /usr/bin/time), and how its cost grows with the
// day's rows (issue 19 items 4 and 5). Run `npm run build` first.
//
//   node bench/score.mjs [--rows 0.5,1,1.5,2] [--runs 3] [--baseline DIR] [--lock /tmp/fraudctl-bench.lock] [--dir KEEP]
//   node bench/score.mjs --lake DIR --date D [--daily] [--runs 3] [--baseline DIR] [--lock …]
//
// Without --lake: for each size (millions of transactions a day) a 4-day lake is simulated with
// rows / 1.94 customers (the simulator's ~1.94 transactions a customer a day) and 1,000 terminals,
// the marts of day 3 built (partial history), and day 4 scored with one model (100 trees of depth
// 10, trained once on a small lake of its own). Prints per size: rows, wall / CPU seconds, peak RSS, the
// phases of the `--json` summary, and time per million rows, and says whether growth is linear.
// With --lake: scores day --date of that lake (its marts of D-1 must exist; the model is the
// lake's tracking store default, --tracking-uri DIR/mlruns beside the lake unless --tracking-uri),
// and with --daily also times `daily --date D+1` (marts of D built afresh each run, then score).
// --baseline DIR: also run DIR/bin/fraudctl (an older build), alternating with this one.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: process.env.BENCH_ROWS ?? '0.5,1,1.5,2' },
    runs: { type: 'string', default: '3' },
    baseline: { type: 'string' },
    lock: { type: 'string' },
    lake: { type: 'string' },
    date: { type: 'string' },
    'tracking-uri': { type: 'string' },
    daily: { type: 'boolean', default: false },
    dir: { type: 'string' },
  },
});
const runs = Number(args.runs);
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const ours = join(here, '../bin/fraudctl');
const builds = [['ours', ours], ...(args.baseline ? [['baseline', join(args.baseline, 'bin/fraudctl')]] : [])];

/** `node BIN ARGS --json` (timed: under flock LOCK): summary, wall s, CPU s (user + sys), peak RSS MB. */
function fraudctl(bin, argv, { timed = true } = {}) {
  const cmd = ['/usr/bin/time', '-f', '%e %U %S %M', process.execPath, bin, ...argv, '--json', '--log-level', 'warn'];
  const [file, rest] = timed && args.lock ? ['flock', [args.lock, ...cmd]] : [cmd[0], cmd.slice(1)];
  const before = load();
  const r = spawnSync(file, rest, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`fraudctl ${argv.join(' ')} failed (${r.status}):\n${r.stderr}`);
  const [wall, user, sys, kb] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { summary: JSON.parse(r.stdout.trim().split('\n').pop()), wall, cpu: user + sys, peakMb: Math.round(kb / 1024), load: `${before} → ${load()}` };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Runs each build `runs` times, alternating; medians per build (phases: median of each). */
function measure(argvOf, label) {
  const got = Object.fromEntries(builds.map(([name]) => [name, []]));
  for (let i = 0; i < runs; i++) for (const [name, bin] of builds) got[name].push(fraudctl(bin, argvOf(name)));
  const out = {};
  for (const [name] of builds) {
    const rs = got[name];
    const phasesOf = (r) => r.summary.phaseSeconds ?? r.summary.score?.phaseSeconds ?? {};
    const cpuOf = (r) => r.summary.phaseCpuSeconds ?? r.summary.score?.phaseCpuSeconds ?? {};
    const keys = [...new Set(rs.flatMap((r) => Object.keys(phasesOf(r))))];
    out[name] = {
      rows: rs[0].summary.transactions ?? rs[0].summary.score?.transactions,
      wall: median(rs.map((r) => r.wall)),
      cpu: median(rs.map((r) => r.cpu)),
      peakMb: median(rs.map((r) => r.peakMb)),
      inCommand: median(rs.map((r) => r.summary.seconds ?? r.summary.score?.seconds)),
      phases: Object.fromEntries(keys.map((k) => [k, median(rs.map((r) => phasesOf(r)[k] ?? 0))])),
      phaseCpuSeconds: Object.fromEntries(keys.map((k) => [k, median(rs.map((r) => cpuOf(r)[k] ?? 0))])),
      walls: rs.map((r) => r.wall),
      loads: rs.map((r) => r.load),
      summaries: rs.map((r) => r.summary),
    };
    const m = out[name];
    const phases = Object.entries(m.phases).map(([k, v]) => `${k} ${v.toFixed(2)} / ${m.phaseCpuSeconds[k].toFixed(2)}`).join(', ');
    console.log(`${label} ${name}: ${m.rows.toLocaleString()} rows, wall ${m.wall.toFixed(2)} s (${m.walls.map((w) => w.toFixed(2)).join(', ')}), CPU ${m.cpu.toFixed(2)} s, peak ${m.peakMb} MB; in-command ${m.inCommand} s${phases ? ` [phase wall / CPU s: ${phases}]` : ''}; load ${m.loads.join('; ')}`);
  }
  return out;
}

const sha = (s) => JSON.stringify(s.quantiles ?? s.score?.quantiles) + (s.flagged ?? s.score?.flagged);

if (args.lake) {
  if (!args.date) throw new Error('--lake needs --date (the day to score)');
  const tracking = args['tracking-uri'] ?? join(dirname(args.lake), 'mlruns');
  const base = ['--lake', args.lake, '--tracking-uri', tracking];
  const s = measure(() => ['score', '--date', args.date, '--no-build-marts', ...base], `score ${args.date}`);
  for (const [name] of builds) console.log(`  ${name}: flagged ${s[name].summaries[0].flagged}, quantiles ${JSON.stringify(s[name].summaries[0].quantiles)}`);
  if (args.daily) {
    const { addDays } = await import('../dist/util/dates.js');
    const day = addDays(args.date, 1);
    const martDay = args.date;
    // Each run builds the marts of D afresh: drop them (and the scores of D+1) first. Own lake only.
    const fresh = () => {
      for (const p of ['features', 'scores']) {
        const root = join(args.lake, p);
        if (!existsSync(root)) continue;
        spawnSync('find', [root, '-depth', '-path', `*date=${p === 'scores' ? day : martDay}*`, '-delete']);
      }
    };
    const got = Object.fromEntries(builds.map(([name]) => [name, []]));
    for (let i = 0; i < runs; i++)
      for (const [name, bin] of builds) {
        fresh();
        got[name].push(fraudctl(bin, ['daily', '--date', day, ...base]));
      }
    for (const [name] of builds) {
      const rs = got[name];
      const med = (f) => median(rs.map(f));
      console.log(
        `daily ${day} ${name}: wall ${med((r) => r.wall).toFixed(2)} s (${rs.map((r) => r.wall.toFixed(2)).join(', ')}), CPU ${med((r) => r.cpu).toFixed(2)} s, peak ${med((r) => r.peakMb)} MB; ` +
          `marts of ${martDay} ${med((r) => r.summary.marts.seconds ?? NaN).toFixed(2)} s, score ${med((r) => r.summary.score.seconds).toFixed(2)} s (in-command); load ${rs.map((r) => r.load).join('; ')}`,
      );
    }
  }
} else {
  const sizes = args.rows.split(',').map(Number);
  // --dir DIR: keep the simulated lakes there and reuse those already made (a later run skips the set-up).
  const dir = args.dir ?? mkdtempSync(join(tmpdir(), 'fraudctl-bench-score-'));
  try {
    // The model: 100 trees of depth 10 trained on a small lake of its own (8 days, 30,000 customers);
    // a walk costs a tree's depth whatever the data it was grown on, so scoring costs do not depend on it.
    const mlruns = join(dir, 'mlruns');
    const modelLake = join(dir, 'model-lake');
    if (!existsSync(join(mlruns, 'models'))) {
      fraudctl(ours, ['simulate', '--start', '2025-01-01', '--days', '8', '--customers', '30000', '--terminals', '1000', '--seed', '5', '--lake', modelLake], { timed: false });
      fraudctl(ours, ['train', '--days', '1', '--test-day', '2025-01-08', '--gap', '1', '--max-evals', '1', '--trees', '100:100', '--depth', '10:10', '--allow-partial-history', '--lake', modelLake, '--tracking-uri', mlruns], { timed: false });
    }
    const lakes = sizes.map((m) => join(dir, `lake-${m}m`));
    sizes.forEach((m, i) => {
      if (existsSync(join(lakes[i], 'features'))) return;
      const sim = fraudctl(ours, ['simulate', '--start', '2025-01-01', '--days', '4', '--customers', String(Math.round((m * 1e6) / 1.94)), '--terminals', '1000', '--seed', '11', '--lake', lakes[i]], { timed: false });
      console.log(`simulated ${m} M rows a day: ${sim.summary.transactions.toLocaleString()} transactions in 4 days`);
      fraudctl(ours, ['marts', 'build', '--date', '2025-01-03', '--allow-partial-history', '--lake', lakes[i]], { timed: false });
    });
    const results = sizes.map((m, i) => ({ m, r: measure(() => ['score', '--date', '2025-01-04', '--no-build-marts', '--lake', lakes[i], '--tracking-uri', mlruns], `score ${m} M`) }));
    for (const [name] of builds) {
      const rows = results.map(({ m, r }) => ({ m, ...r[name] }));
      for (const { m, summaries } of rows) if (new Set(summaries.map(sha)).size !== 1) console.log(`  ${name} ${m} M: the runs' summaries differ`);
      console.log(`\n${name}: time per million rows (wall / CPU / in-command), peak MB per million rows`);
      let prev;
      for (const x of rows) {
        const per = { wall: x.wall / (x.rows / 1e6), cpu: x.cpu / (x.rows / 1e6), cmd: x.inCommand / (x.rows / 1e6), mem: x.peakMb / (x.rows / 1e6) };
        const step = prev ? per.cpu / prev.cpu : 1;
        console.log(`  ${(x.rows / 1e6).toFixed(2)} M rows: ${per.wall.toFixed(2)} / ${per.cpu.toFixed(2)} / ${per.cmd.toFixed(2)} s per M, ${per.mem.toFixed(0)} MB per M${prev ? ` (CPU per row ×${step.toFixed(2)} vs the size before${step > 1.2 ? ': SUPER-LINEAR step' : ''})` : ''}`);
        prev = per;
      }
      const [a, b] = [rows[0], rows[rows.length - 1]];
      if (rows.length > 1) {
        const slope = (b.cpu - a.cpu) / ((b.rows - a.rows) / 1e6);
        const fixed = a.cpu - slope * (a.rows / 1e6);
        console.log(`  CPU ≈ ${fixed.toFixed(2)} s + ${slope.toFixed(2)} s per M rows (end points); peak ≈ ${(a.peakMb - ((b.peakMb - a.peakMb) / ((b.rows - a.rows) / 1e6)) * (a.rows / 1e6)).toFixed(0)} MB + ${((b.peakMb - a.peakMb) / ((b.rows - a.rows) / 1e6)).toFixed(0)} MB per M rows`);
      }
    }
  } finally {
    if (!args.dir) rmSync(dir, { recursive: true, force: true });
  }
}
