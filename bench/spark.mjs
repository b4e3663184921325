// DuckDB vs Spark for the marts of one day, at growing lake sizes, on this machine. Run
// `npm run build` first. Usage:
//   node bench/spark.mjs [--sizes 2000,20000,100000] [--runs 3] [--dir /tmp/fraudctl-bench-spark]
// Starts scripts/spark-local.sh (master + two one-core workers + Spark Connect) unless
// FRAUDCTL_SPARK_REMOTE is set. Each size is a simulated lake of 38 days (the 37 the marts of D
// read with delay 7, and D); lakes are kept in --dir between runs. Prints, per size, the
// transactions the two marts read, the median build seconds of each engine (runs alternate), and
// the ratio spark / duckdb.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cli, median } from './_cli.mjs';

const { values: args } = parseArgs({
  options: { sizes: { type: 'string', default: '2000,20000,100000' }, runs: { type: 'string', default: '3' }, dir: { type: 'string', default: '/tmp/fraudctl-bench-spark' } },
});
const D = '2025-02-07';
const script = new URL('../scripts/spark-local.sh', import.meta.url).pathname;

let remote = process.env.FRAUDCTL_SPARK_REMOTE;
let state;
if (!remote) {
  const out = execFileSync('bash', [script, 'start'], { encoding: 'utf8' });
  remote = /FRAUDCTL_SPARK_REMOTE=(\S+)/.exec(out)[1];
  state = /FRAUDCTL_SPARK_STATE=(\S+)/.exec(out)[1];
}
try {
  console.log(`marts of ${D} (customer + terminal), ${args.runs} runs each, engines alternating; Spark at ${remote}`);
  console.log('customers  terminals  tx read (37 days)  duckdb s  spark s  spark/duckdb');
  for (const customers of args.sizes.split(',').map(Number)) {
    const terminals = Math.max(100, Math.round(customers / 2));
    const lake = join(args.dir, `c${customers}`);
    if (!existsSync(join(lake, 'transactions'))) {
      await cli(['simulate', '--start', '2025-01-01', '--days', '38', '--customers', String(customers), '--terminals', String(terminals), '--radius', '15', '--seed', '1', '--lake', lake]);
    }
    const times = { duckdb: [], spark: [] };
    let txRead = 0;
    for (let r = 0; r < Number(args.runs); r++) {
      for (const engine of ['duckdb', 'spark']) {
        const { seconds } = await cli(['marts', 'build', '--date', D, '--overwrite', '--engine', engine, '--lake', lake], { FRAUDCTL_SPARK_REMOTE: remote });
        times[engine].push(seconds);
      }
    }
    const { openDb, sqlString } = await import('../dist/lake/db.js');
    const db = await openDb({ threads: 2 });
    txRead = Number((await db.all(`SELECT count(*) AS n FROM read_parquet(${sqlString(join(lake, 'transactions/*/data.parquet'))})`))[0].n);
    db.close();
    const [d, s] = [median(times.duckdb), median(times.spark)];
    console.log(`${String(customers).padStart(9)}  ${String(terminals).padStart(9)}  ${String(txRead).padStart(17)}  ${d.toFixed(2).padStart(8)}  ${s.toFixed(2).padStart(7)}  ${(s / d).toFixed(1).padStart(12)}`);
  }
} finally {
  if (state) execFileSync('bash', [script, 'stop', state]);
}
