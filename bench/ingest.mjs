// `fraudctl ingest` at course scale: a raw dump of 47 M rows (~2.9 GB, 30 days, the course's
// defects at their per-file rates) generated with DuckDB COPY from range(), then ingested by the
// CLI in a fresh process: wall time, peak RSS (/usr/bin/time), time per phase, and a check that
// every count matches what was planted. Run `npm run build` first. Usage:
//   flock /tmp/fraudctl-bench.lock node bench/ingest.mjs [--rows 5000000,47000000] [--dir DIR]
//     [--threads N] [--memory-limit 3GB] [--keep]
// The dumps, the lake and the staging files live in --dir (default /tmp/fraudctl-bench-ingest)
// and are deleted afterwards unless --keep.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, statfsSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '5000000,47000000' },
    dir: { type: 'string', default: '/tmp/fraudctl-bench-ingest' },
    threads: { type: 'string', default: String(cpus().length) },
    'memory-limit': { type: 'string', default: '3GB' },
    keep: { type: 'boolean', default: false },
  },
});

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { openDb, sqlString } = await import('../dist/lake/db.js');
const { RAW_HEADER } = await import('../dist/ingest/rawFormat.js');

const DAYS = 30;
/** Defects per million rows: the course's whole-set counts (domain.md §3.2) over its 1.88 G rows, rounded up. */
const PER_MILLION = { hour24: 2, wrongSeconds: 8, duplicate: 1, emptyTerminal: 7, errTerminal: 15, bigTerminal: 306, negativeCustomer: 8, zeroAmount: 19 };

function defectSql() {
  let at = 0;
  const when = Object.entries(PER_MILLION).map(([k, n]) => `WHEN bin < ${(at += n)} THEN '${k}'`);
  return `CASE ${when.join(' ')} END`;
}

/** Rows i = 0 … n-1, day-major then customer order like the dumps; one defect kind per chosen row. */
function rowsSql(n) {
  const perDay = Math.ceil(n / DAYS);
  return `
    WITH r AS (SELECT range AS i, range // ${perDay} AS d, hash(range) AS h FROM range(${n})),
    f AS (SELECT i, d, h, h % 86400 AS tod, ${defectSql().replace(/bin/g, '((h >> 7) % 1000000)')} AS defect,
      CASE WHEN (h >> 45) % 1000 < 6 THEN 1 ELSE 0 END AS fraud FROM r)
    SELECT defect, concat_ws(',', i,
        CASE WHEN defect = 'hour24' THEN strftime(DATE '2019-08-22' + CAST(d AS INTEGER), '%Y-%m-%d') || ' 24:00:00'
             ELSE strftime(TIMESTAMP '2019-08-22' + to_days(CAST(d AS INTEGER)) + to_seconds(CAST(tod AS BIGINT)), '%Y-%m-%d %H:%M:%S') END,
        CASE WHEN defect = 'negativeCustomer' THEN -999999 ELSE (i % ${perDay}) * 1000000 // ${perDay} END,
        CASE WHEN defect = 'emptyTerminal' THEN '' WHEN defect = 'errTerminal' THEN 'Err' WHEN defect = 'bigTerminal' THEN '89518096'
             ELSE CAST((h >> 20) % 1000 AS VARCHAR) END,
        CASE WHEN defect = 'zeroAmount' THEN '0.00' ELSE printf('%.2f', ((h >> 30) % 20000) / 100.0 + 0.01) END,
        CASE WHEN defect = 'hour24' THEN (d + 1) * 86400 WHEN defect = 'wrongSeconds' THEN d * 86400 + tod + 7 * 86400 ELSE d * 86400 + tod END,
        d, fraud, fraud * (1 + (h >> 50) % 3)) AS line
    FROM f`;
}

async function generate(n, path) {
  const db = await openDb({ threads: Number(args.threads) });
  try {
    const t0 = performance.now();
    // One column named like the header line: DuckDB writes the header for us. Duplicates: the line twice.
    await db.run(`COPY (SELECT unnest(CASE WHEN defect = 'duplicate' THEN [line, line] ELSE [line] END) AS "${RAW_HEADER}" FROM (${rowsSql(n)}))
      TO ${sqlString(path)} (FORMAT csv, HEADER true, QUOTE '', ESCAPE '', DELIMITER '\t')`);
    const seconds = (performance.now() - t0) / 1000;
    const planted = Object.fromEntries((await db.all(`SELECT defect, count(*) AS n FROM (${rowsSql(n)}) WHERE defect IS NOT NULL GROUP BY defect`)).map((r) => [r.defect, Number(r.n)]));
    return { seconds, planted };
  } finally {
    db.close();
  }
}

function ingest(path, lake, tmp) {
  const timeFile = join(args.dir, 'time.txt');
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', '-o', timeFile, process.execPath, join(root, 'bin/fraudctl'), 'ingest', path, '--lake', lake, '--tmp-dir', tmp,
    '--memory-limit', args['memory-limit'], '--json', '--log-level', 'info'], { encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, FRAUDCTL_THREADS: args.threads } });
  if (r.status !== 0) throw new Error(`ingest exited ${r.status}:\n${r.stderr.slice(-3000)}`);
  const [wall, kb] = readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  const phases = r.stderr.trim().split('\n').map((l) => { try { return JSON.parse(l); } catch { return undefined; } })
    .filter((l) => l && typeof l.seconds === 'number' && l.msg.startsWith('ingest: ') && !l.day)
    .map((l) => `${l.msg.slice(8).replace(path, 'file')} ${l.seconds}s`);
  return { wall, rssMb: Math.round(kb / 1024), summary: JSON.parse(r.stdout.trim().split('\n').pop()), phases };
}

function check(s, planted) {
  const q = s.quarantinedByReason;
  const want = {
    duplicatesDropped: [s.duplicatesDropped, planted.duplicate ?? 0],
    hour24Fixed: [s.hour24Fixed, planted.hour24 ?? 0],
    timeSecondsMismatched: [s.timeSecondsMismatched, planted.wrongSeconds ?? 0],
    empty_terminal_id: [q.empty_terminal_id, planted.emptyTerminal ?? 0],
    non_numeric_terminal_id: [q.non_numeric_terminal_id, planted.errTerminal ?? 0],
    terminal_id_out_of_range: [q.terminal_id_out_of_range, planted.bigTerminal ?? 0],
    negative_customer_id: [q.negative_customer_id, planted.negativeCustomer ?? 0],
    nonpositive_amount: [q.nonpositive_amount, planted.zeroAmount ?? 0],
    'kept + quarantined + duplicates = read': [s.rowsKept + s.rowsQuarantined + s.duplicatesDropped, s.rowsRead],
  };
  const bad = Object.entries(want).filter(([, [got, exp]]) => got !== exp);
  return bad.length === 0 ? 'all counts match the planted defects' : `MISMATCH: ${bad.map(([k, [g, e]]) => `${k} ${g} != ${e}`).join('; ')}`;
}

mkdirSync(args.dir, { recursive: true });
console.log(`ingest bench: ${args.threads} threads, DuckDB memory limit ${args['memory-limit']}, dir ${args.dir}`);
for (const n of args.rows.split(',').map(Number)) {
  const fs = statfsSync(args.dir);
  const free = fs.bavail * fs.bsize;
  // Dump ~62 B/row, staging ~12 B/row, lake ~25 B/row, with room to spare.
  if (free < n * 130) {
    console.log(`${n.toLocaleString()} rows: skipped, ${(free / 2 ** 30).toFixed(1)} GiB free in ${args.dir}, need ${((n * 130) / 2 ** 30).toFixed(1)} GiB`);
    continue;
  }
  const path = join(args.dir, `dump-${n}.txt`);
  const lake = join(args.dir, `lake-${n}`);
  const tmp = join(args.dir, 'tmp');
  rmSync(lake, { recursive: true, force: true });
  try {
    const g = await generate(n, path);
    const size = statSync(path).size;
    console.log(`${n.toLocaleString()} rows: dump ${(size / 2 ** 30).toFixed(2)} GiB generated in ${g.seconds.toFixed(0)} s`);
    const r = ingest(path, lake, tmp);
    const s = r.summary;
    console.log(`  ingest: ${r.wall.toFixed(1)} s wall, peak RSS ${r.rssMb} MB, ${Math.round(s.rowsRead / r.wall).toLocaleString()} rows/s, ${(size / 2 ** 20 / r.wall).toFixed(0)} MB/s`);
    console.log(`  phases: ${r.phases.join(', ')}`);
    console.log(`  read ${s.rowsRead.toLocaleString()}, kept ${s.rowsKept.toLocaleString()}, quarantined ${s.rowsQuarantined.toLocaleString()}, duplicates ${s.duplicatesDropped}, days written ${s.days.written.length}`);
    console.log(`  ${check(s, g.planted)}`);
  } finally {
    if (!args.keep) {
      rmSync(path, { force: true });
      rmSync(lake, { recursive: true, force: true });
    }
  }
}
