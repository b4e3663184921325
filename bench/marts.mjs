// Marts at course scale: build time and peak memory for one day, and the feature assembly of the
// next day. Run `npm run build` first. Usage:
//   flock /tmp/fraudctl-bench.lock node bench/marts.mjs [--lake DIR] [--runs 3] [--threads N] [--features handbook,seed,union]
// Each preset is measured on the same lake (its marts live side by side under features/).
// The bench lake (1,000,000 customers, 1,000 terminals, 1.5 M transactions a day, 38 days: the 37
// the marts of D read with delay 7, plus D+1 to assemble) is generated with DuckDB SQL on first
// use and kept in --lake (default /tmp/fraudctl-bench-marts) for later runs.
import { spawnSync } from 'node:child_process';
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
  },
});

const D = '2025-03-07';
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

async function generate() {
  const days = dayRange(addDays(D, -(29 + DELAY)), addDays(D, 1));
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
    const r = await buildMartsForDay(db, lake, D, { spec, delay: DELAY, allowPartialHistory: false, overwrite: true, log });
    detail = { customers: r.customers, terminals: r.terminals };
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

function measure(what, preset) {
  const out = [];
  for (let i = 0; i < Number(args.runs); i += 1) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', what, '--lake', args.lake, '--threads', args.threads, '--features', preset], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${what} run failed:\n${r.stderr}`);
    out.push(JSON.parse(r.stdout.trim().split('\n').pop()));
  }
  const mid = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const secs = out.map((o) => o.seconds).sort((a, b) => a - b);
  const rss = Math.max(...out.map((o) => o.maxRssMb));
  const { seconds: _s, cpuSeconds: _c, maxRssMb: _m, ...detail } = out[0];
  // CPU seconds (user + system, all threads) barely depend on what else runs; wall seconds do, so the load is printed beside them.
  console.log(`${preset.padEnd(9)} ${what.padEnd(8)} median ${mid(secs).toFixed(2)} s (min ${secs[0].toFixed(2)}, max ${secs[secs.length - 1].toFixed(2)}), CPU ${mid(out.map((o) => o.cpuSeconds)).toFixed(2)} s, peak RSS ${rss.toFixed(0)} MB, load ${loadavg()[0].toFixed(1)}  ${JSON.stringify(detail)}`);
}

if (args.child) {
  await child(args.child);
} else {
  await generate();
  const presets = args.features.split(',');
  console.log(`marts of ${D} (delay ${DELAY}, ${threads} DuckDB threads, ${args.runs} runs, each in a fresh process):`);
  for (const p of presets) measure('build', p);
  console.log(`features of ${addDays(D, 1)} (loadFeatureRows: join with the marts of ${D}, typed columns):`);
  for (const p of presets) measure('assemble', p);
}
