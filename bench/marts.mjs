// Marts at course scale: build time and peak memory for one day, and the feature assembly of the
// next day. Run `npm run build` first. Usage:
//   flock /tmp/fraudctl-bench.lock node bench/marts.mjs [--lake DIR] [--runs 3] [--threads N] [--features handbook,seed,union]
//     [--incremental yes|no] [--growth 250000,500000,1000000|none] [--skip-presets]
//   flock /tmp/fraudctl-bench.lock node bench/marts.mjs --command --lake DIR --day D [--runs 3]
// --command: the `fraudctl marts build --date D --overwrite` command itself, a fresh process per run under
// /usr/bin/time -v (wall, user+sys CPU, peak RSS): main's build (.baseline/dist, full builder), this build with
// --full, and this build by default (incremental from the window state of D-1), alternating, medians. The lake
// must hold D's history (a lake this script generated for --day D does); when the state of D-1 is missing, the marts
// of D-40 (or the lake's first day, if later) … D-1 are built first (not
// measured; writes into --lake, so point it at a lake of your own with symlinked transactions). Retention prunes the
// states a rebuild of D reads (those of the days leaving D's windows), so the states as they stand before the first
// run are kept as hard links in DIR-states-D and put back before every run: each run is a day of steady operation.
// Each preset is measured on the same lake (its marts live side by side under features/).
// --incremental yes (default): the handbook build of D in full (BuildMartsOptions.full) and through the window state of D-1 (the
// default builder), alternating, both in fresh processes; the state of D-1
// is built first (writes into --lake: point it at a lake of your own, e.g. symlinked transactions).
// --growth (default 0.25, 0.5, 1 M customers; none skips it): the handbook build (full, and incremental with --incremental) on lakes of fewer
// customers, made by keeping customer_id < N of --lake's transactions (written to --lake-c<N>),
// with time and peak memory per million transactions of history, and whether growth is linear.
// The bench lake (1,000,000 customers, 1,000 terminals, 1.5 M transactions a day, 38 days: the 37
// the marts of D read with delay 7, plus D+1 to assemble; 39 with --incremental, for D-1's state) is generated with DuckDB SQL on first
// use and kept in --lake (default /tmp/fraudctl-bench-marts) for later runs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    lake: { type: 'string', default: '/tmp/fraudctl-bench-marts' },
    runs: { type: 'string', default: '3' },
    threads: { type: 'string', default: String(cpus().length) },
    child: { type: 'string' },
    features: { type: 'string', default: 'handbook,seed,union' },
    incremental: { type: 'string', default: 'yes' },
    growth: { type: 'string', default: '250000,500000,1000000' },
    'skip-presets': { type: 'boolean', default: false },
    command: { type: 'boolean', default: false },
    day: { type: 'string', default: '2025-03-07' },
  },
});

const D = args.day;
const DELAY = 7;
const CUSTOMERS = 1_000_000;
const TERMINALS = 1_000;
const TX_PER_DAY = 1_500_000;

const { openDb, sqlString } = await import('../dist/lake/db.js');
const { LocalLake } = await import('../dist/lake/localLake.js');
const { addDays, dayRange, daysBetween } = await import('../dist/util/dates.js');
const { createLogger } = await import('../dist/log.js');

const log = createLogger({ level: 'silent', stream: new PassThrough() });
const lake = new LocalLake(args.lake);
const threads = Number(args.threads);
const withIncremental = args.incremental !== 'no';

async function generate() {
  // The incremental route's state of D-1 reads one day more (D-37: the terminal windows of D-1 end at D-8).
  const days = dayRange(addDays(D, -(29 + DELAY + (withIncremental ? 1 : 0))), addDays(D, 1));
  const have = new Set(await lake.listDays('transactions'));
  const todo = days.filter((d) => !have.has(d));
  if (todo.length === 0) return;
  console.log(`generating ${todo.length} days × ${TX_PER_DAY.toLocaleString()} transactions in ${args.lake} …`);
  const db = await openDb({ threads });
  const t0 = performance.now();
  for (const day of todo) {
    const index = daysBetween('2019-08-22', day);
    await db.run(`SELECT setseed(${(index % 1000) / 1000})`);
    await lake.writePartition('transactions', day, (tmp) =>
      db.run(
        `COPY (
          SELECT CAST($base + i AS BIGINT) AS transaction_id,
            CAST($day AS TIMESTAMP) + to_seconds(secs) AS tx_datetime,
            customer_id, terminal_id, tx_amount,
            CAST($day_secs + secs AS BIGINT) AS tx_time_seconds, CAST($index AS INTEGER) AS tx_time_days,
            CAST(fraud AS TINYINT) AS tx_fraud, CAST(fraud * 2 AS TINYINT) AS tx_fraud_scenario
          FROM (
            SELECT range AS i, CAST(floor(random() * 86400) AS BIGINT) AS secs,
              CAST(floor(random() * ${CUSTOMERS}) AS BIGINT) AS customer_id,
              CAST(floor(random() * ${TERMINALS}) AS BIGINT) AS terminal_id,
              round(5 + random() * 150, 2) AS tx_amount,
              CASE WHEN random() < 0.008 THEN 1 ELSE 0 END AS fraud
            FROM range(${TX_PER_DAY})
            ORDER BY customer_id
          )
        ) TO ${sqlString(tmp)} (FORMAT parquet)`,
        { base: index * 10_000_000, day, day_secs: index * 86_400, index },
      ),
    );
  }
  db.close();
  console.log(`generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** One measured run in a fresh process, so peak RSS is that of the build alone. */
async function child(what) {
  const { presetSpec } = await import('../dist/features/loadFeatureSpec.js');
  const spec = presetSpec(args.features);
  const db = await openDb({ threads });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let detail;
  if (what === 'build') {
    const { buildMartsForDay } = await import('../dist/features/marts.js');
    const r = await buildMartsForDay(db, lake, D, { spec, delay: DELAY, allowPartialHistory: false, overwrite: true, log, full: true });
    detail = { customers: r.customers, terminals: r.terminals };
  } else if (what === 'incremental' || what === 'state') {
    // 'state': the marts and window state of D-1 (set-up, not measured); 'incremental': D from it.
    const { buildMartsForDay } = await import('../dist/features/marts.js');
    const day = what === 'state' ? addDays(D, -1) : D;
    const r = await buildMartsForDay(db, lake, day, { spec, delay: DELAY, allowPartialHistory: false, overwrite: true, log });
    detail = { customers: r.customers, terminals: r.terminals, routes: Object.fromEntries(Object.entries(r.marts).map(([e, m]) => [e, m.builder])) };
  } else {
    const { loadFeatureRows } = await import('../dist/features/assemble.js');
    const rows = await loadFeatureRows(db, lake, addDays(D, 1), spec);
    detail = { rows: rows.n, features: rows.featureNames.length, noHistoryCustomers: rows.noHistoryCustomers };
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  db.close();
  console.log(JSON.stringify({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, maxRssMb: process.resourceUsage().maxRSS / 1024, ...detail }));
}

function runChild(what, preset, lakeDir = args.lake) {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', what, '--lake', lakeDir, '--threads', args.threads, '--features', preset], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${what} run failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const mid = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Alternating runs of several kinds (each in a fresh process): medians of wall and CPU seconds, the highest peak RSS. */
function alternate(whats, preset, lakeDir = args.lake) {
  const out = Object.fromEntries(whats.map((w) => [w, []]));
  for (let i = 0; i < Number(args.runs); i += 1) for (const w of whats) out[w].push(runChild(w, preset, lakeDir));
  return Object.fromEntries(whats.map((w) => [w, { seconds: mid(out[w].map((o) => o.seconds)), min: Math.min(...out[w].map((o) => o.seconds)), max: Math.max(...out[w].map((o) => o.seconds)), cpuSeconds: mid(out[w].map((o) => o.cpuSeconds)), maxRssMb: Math.max(...out[w].map((o) => o.maxRssMb)), detail: out[w][0] }]));
}

function measure(what, preset) {
  const out = [];
  for (let i = 0; i < Number(args.runs); i += 1) out.push(runChild(what, preset));
  const secs = out.map((o) => o.seconds).sort((a, b) => a - b);
  const rss = Math.max(...out.map((o) => o.maxRssMb));
  const { seconds: _s, cpuSeconds: _c, maxRssMb: _m, ...detail } = out[0];
  // CPU seconds (user + system, all threads) barely depend on what else runs; wall seconds do, so the load is printed beside them.
  console.log(`${preset.padEnd(9)} ${what.padEnd(8)} median ${mid(secs).toFixed(2)} s (min ${secs[0].toFixed(2)}, max ${secs[secs.length - 1].toFixed(2)}), CPU ${mid(out.map((o) => o.cpuSeconds)).toFixed(2)} s, peak RSS ${rss.toFixed(0)} MB, load ${loadavg()[0].toFixed(1)}  ${JSON.stringify(detail)}`);
}

/** A lake of the customers with customer_id < n: each transactions partition of `args.lake` filtered into `dir`. */
async function subsetLake(n, dir) {
  const target = new LocalLake(dir);
  const src = await lake.listDays('transactions');
  const have = new Set(await target.listDays('transactions').catch(() => []));
  const todo = src.filter((d) => !have.has(d));
  if (todo.length === 0) return target;
  console.log(`writing ${todo.length} days of customers < ${n.toLocaleString()} into ${dir} …`);
  const db = await openDb({ threads });
  const paths = await lake.pathsForRead('transactions', todo);
  for (let i = 0; i < todo.length; i += 1) {
    await target.writePartition('transactions', todo[i], (tmp) => db.run(`COPY (SELECT * FROM read_parquet(${sqlString(paths[i])}) WHERE customer_id < ${n}) TO ${sqlString(tmp)} (FORMAT parquet)`));
  }
  db.close();
  return target;
}

/** Transactions in the 37 days the marts of D read. */
async function historyRows(l) {
  const { historyDays } = await import('../dist/features/marts.js');
  const db = await openDb({ threads });
  const paths = await l.pathsForRead('transactions', historyDays(D, DELAY));
  const [{ n }] = await db.all(`SELECT count(*) AS n FROM read_parquet([${paths.map(sqlString).join(', ')}])`);
  db.close();
  return Number(n);
}

const fmt = (m) => `${m.seconds.toFixed(2)} s (${m.min.toFixed(2)}–${m.max.toFixed(2)}), CPU ${m.cpuSeconds.toFixed(2)} s, peak RSS ${m.maxRssMb.toFixed(0)} MB`;

async function incremental() {
  runChild('state', 'handbook');
  console.log(`handbook marts of ${D}, full against incremental (window state of ${addDays(D, -1)}), alternating, ${args.runs} runs each, load ${loadavg()[0].toFixed(1)}:`);
  const r = alternate(['build', 'incremental'], 'handbook');
  console.log(`  full         ${fmt(r.build)}`);
  console.log(`  incremental  ${fmt(r.incremental)}  routes ${JSON.stringify(r.incremental.detail.routes)}`);
  console.log(`  full / incremental: wall ${(r.build.seconds / r.incremental.seconds).toFixed(2)}×, CPU ${(r.build.cpuSeconds / r.incremental.cpuSeconds).toFixed(2)}×; load ${loadavg()[0].toFixed(1)}`);
}

async function growth(sizes) {
  const kinds = withIncremental ? ['build', 'incremental'] : ['build'];
  const rows = [];
  for (const n of sizes) {
    const dir = n >= CUSTOMERS ? args.lake : `${args.lake}-c${n}`;
    const l = n >= CUSTOMERS ? lake : await subsetLake(n, dir);
    const tx = await historyRows(l);
    if (withIncremental) runChild('state', 'handbook', dir);
    rows.push({ n, tx, r: alternate(kinds, 'handbook', dir), load: loadavg()[0] });
  }
  console.log(`growth: handbook marts of ${D}, ${args.runs} alternating runs per size (per M tx = per million transactions in the 37 history days):`);
  console.log('| customers | history tx | route | wall | CPU s | peak RSS | wall per M tx | CPU s per M tx | load |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const { n, tx, r, load } of rows) {
    for (const k of kinds) {
      const m = r[k];
      console.log(`| ${n.toLocaleString()} | ${(tx / 1e6).toFixed(1)} M | ${k === 'build' ? 'full' : 'incremental'} | ${m.seconds.toFixed(2)} s | ${m.cpuSeconds.toFixed(2)} | ${m.maxRssMb.toFixed(0)} MB | ${(m.seconds / (tx / 1e6)).toFixed(3)} s | ${(m.cpuSeconds / (tx / 1e6)).toFixed(3)} | ${load.toFixed(1)} |`);
    }
  }
  // Linear: the cost per million transactions of the largest size within 25 % of the smallest's.
  for (const k of kinds) {
    const per = rows.map(({ tx, r }) => r[k].cpuSeconds / (tx / 1e6));
    const rss = rows.map(({ r }) => r[k].maxRssMb);
    const ratio = per[per.length - 1] / per[0];
    const verdict = ratio > 1.25 ? 'super-linear' : ratio < 0.8 ? 'sub-linear' : 'linear';
    console.log(`${k === 'build' ? 'full' : 'incremental'}: CPU s per M tx ${per.map((x) => x.toFixed(3)).join(' → ')} (${ratio.toFixed(2)}× from ${sizes[0].toLocaleString()} to ${sizes[sizes.length - 1].toLocaleString()} customers): ${verdict}; peak RSS ${rss.map((x) => x.toFixed(0)).join(' → ')} MB`);
  }
}

/** One run of the CLI in a fresh process under /usr/bin/time -v: wall, CPU (user + sys) seconds, peak RSS, and its --json summary. */
function timedCli(which, argv) {
  const here = fileURLToPath(new URL('..', import.meta.url));
  const entry = which === 'main' ? `${here}.baseline/dist/main.js` : `${here}dist/main.js`;
  const script = `const { main } = await import(${JSON.stringify(entry)}); process.exitCode = await main(process.argv.slice(1), { handleSignals: true, env: process.env, stdout: process.stdout, stderr: process.stderr });`;
  const r = spawnSync('/usr/bin/time', ['-v', process.execPath, '--input-type=module', '-e', script, ...argv, '--json', '--log-level', 'warn'], { encoding: 'utf8', env: { ...process.env, CI: 'true', FRAUDCTL_THREADS: args.threads } });
  if (r.status !== 0) throw new Error(`${which} ${argv.join(' ')} exited ${r.status}:\n${r.stderr}`);
  const field = (name) => r.stderr.split('\n').find((l) => l.trim().startsWith(name))?.split(': ').pop();
  const clock = field('Elapsed (wall clock) time').split(':').map(Number);
  const seconds = clock.reduce((s, x) => s * 60 + x, 0);
  return { seconds, cpuSeconds: Number(field('User time (seconds)')) + Number(field('System time (seconds)')), maxRssMb: Number(field('Maximum resident set size (kbytes)')) / 1024, summary: JSON.parse(r.stdout.trim().split('\n').pop()) };
}

async function commandBench() {
  const base = ['marts', 'build', '--lake', args.lake];
  if (!(await lake.has('features/customer/_state', addDays(D, -1))) || !(await lake.has('features/terminal/_state', addDays(D, -1)))) {
    // From D-40, or the lake's first day when it starts later (a lake generated for --day D starts at D-37).
    const first = (await lake.listDays('transactions')).find((d) => d >= addDays(D, -40));
    console.log(`set-up: the marts (and window states) of ${first} … ${addDays(D, -1)} …`);
    timedCli('this', [...base, '--from', first, '--to', addDays(D, -1), '--allow-partial-history']);
  }
  // Hard links: a build replaces a state by renaming a new file over it, so the saved copy is never written through.
  const saved = `${args.lake}-states-${D}`;
  const states = ['customer', 'terminal'].map((e) => [`${args.lake}/features/${e}/_state`, `${saved}/${e}`]);
  const link = (from, to) => {
    const r = spawnSync('cp', ['-al', from, to], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`cp -al ${from} ${to}: ${r.stderr}`);
  };
  if (!existsSync(saved)) {
    mkdirSync(saved);
    for (const [live, keep] of states) link(live, keep);
  }
  const restore = () => {
    for (const [live, keep] of states) {
      rmSync(live, { recursive: true, force: true });
      link(keep, live);
    }
  };
  const kinds = { 'main (session start)': ['main', []], 'this --full': ['this', ['--full']], 'this (incremental)': ['this', []] };
  const runs = Object.fromEntries(Object.keys(kinds).map((k) => [k, []]));
  const load0 = loadavg()[0];
  for (let i = 0; i < Number(args.runs); i += 1) {
    for (const [k, [which, extra]] of Object.entries(kinds)) {
      restore();
      runs[k].push(timedCli(which, [...base, '--date', D, '--overwrite', ...extra]));
    }
  }
  console.log(`fraudctl marts build --date ${D} --overwrite (handbook, ${threads} threads), ${args.runs} alternating runs each, load ${load0.toFixed(2)} → ${loadavg()[0].toFixed(2)}:`);
  const med = {};
  for (const [k, rs] of Object.entries(runs)) {
    med[k] = { seconds: mid(rs.map((r) => r.seconds)), cpu: mid(rs.map((r) => r.cpuSeconds)) };
    const day = rs[0].summary.days?.[0] ?? {};
    console.log(`  ${k.padEnd(19)} wall ${med[k].seconds.toFixed(2)} s (${rs.map((r) => r.seconds.toFixed(2)).join(', ')}), CPU ${med[k].cpu.toFixed(2)} s, peak RSS ${Math.max(...rs.map((r) => r.maxRssMb)).toFixed(0)} MB, builder ${day.builder ?? '(none: main)'} (${day.reason}), ${day.customers} customers`);
  }
  const ref = med['main (session start)'];
  const inc = med['this (incremental)'];
  console.log(`  main / incremental: wall ${(ref.seconds / inc.seconds).toFixed(2)}×, CPU ${(ref.cpu / inc.cpu).toFixed(2)}×; ≤ 2 s: ${inc.seconds <= 2 ? 'met' : 'not met'} (${inc.seconds.toFixed(2)} s)`);
}

if (args.child) {
  await child(args.child);
} else if (args.command) {
  await commandBench();
} else {
  await generate();
  if (!args['skip-presets']) {
    const presets = args.features.split(',');
    console.log(`marts of ${D} (delay ${DELAY}, ${threads} DuckDB threads, ${args.runs} runs, each in a fresh process):`);
    for (const p of presets) measure('build', p);
    console.log(`features of ${addDays(D, 1)} (loadFeatureRows: join with the marts of ${D}, typed columns):`);
    for (const p of presets) measure('assemble', p);
  }
  if (withIncremental) await incremental();
  if (args.growth !== 'none') await growth(args.growth.split(',').map(Number).sort((a, b) => a - b));
}
