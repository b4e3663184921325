// Simulator throughput and peak memory. Run `npm run build` first. Usage:
//   flock /tmp/fraudctl-bench.lock node bench/simulate.mjs [--only NAME] [--threads N]
// --threads: DuckDB threads for the parquet writer (default 1, as `fraudctl simulate` uses).
// Each case runs in a child process of its own, so its peak RSS is its own. Cases:
//   small-lake   5,000 customers × 10,000 terminals, 30 days, parquet lake (handbook scale)
//   big-lake     1,000,000 customers × 1,000 terminals, 3 days, parquet lake (course scale)
//   big-gen      the same, generation only (no DuckDB): the JS share of big-lake
//   big-raw      1,000,000 × 1,000, 1 day, raw text dump with defects
//   reference    5,000 × 10,000, 183 days from 2018-04-01, generation only: the handbook book run's
//                figures (1,754,155 tx, 0.837 % fraud, 973 / 9,077 / 4,631 by scenario)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: { only: { type: 'string' }, threads: { type: 'string', default: '1' }, child: { type: 'string' } },
});

const CASES = {
  'small-lake': { kind: 'lake', start: '2025-01-01', days: 30, customers: 5000, terminals: 10_000 },
  'big-lake': { kind: 'lake', start: '2025-01-01', days: 3, customers: 1_000_000, terminals: 1000 },
  'big-gen': { kind: 'gen', start: '2025-01-01', days: 3, customers: 1_000_000, terminals: 1000 },
  'big-raw': { kind: 'raw', start: '2025-01-01', days: 1, customers: 1_000_000, terminals: 1000 },
  reference: { kind: 'gen', start: '2018-04-01', days: 183, customers: 5000, terminals: 10_000 },
};

async function runCase(name) {
  const c = CASES[name];
  const { resolveSimParams, generateDays, simulateToLake, simulateToRaw, addBatch, emptyStats, fraudRate } = await import('../dist/sim/index.js');
  const { LocalLake } = await import('../dist/lake/localLake.js');
  const { createLogger } = await import('../dist/log.js');
  const log = createLogger({ level: 'silent', stream: new PassThrough() });
  const params = resolveSimParams({ ...c, seed: 42 });
  const dir = mkdtempSync(join(tmpdir(), 'fraudctl-bench-sim-'));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let s;
  try {
    if (c.kind === 'lake') {
      s = await simulateToLake(params, { lake: new LocalLake(join(dir, 'lake')), log, threads: Number(args.threads) });
    } else if (c.kind === 'raw') {
      s = await simulateToRaw(params, join(dir, 'dump.txt'), { defectsPerKind: 20, log });
    } else {
      s = emptyStats();
      for (const b of generateDays(params)) addBatch(s, b);
      s.fraudRate = fraudRate(s);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    case: name,
    transactions: s.transactions,
    seconds: +seconds.toFixed(3),
    txPerSecond: Math.round(s.transactions / seconds),
    cpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(3),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    fraudRatePct: s.fraudRate === null ? null : +(s.fraudRate * 100).toFixed(3),
    byScenario: s.byScenario,
  };
}

if (args.child) {
  console.log(JSON.stringify(await runCase(args.child)));
} else {
  const names = args.only ? [args.only] : Object.keys(CASES);
  console.log(`simulate bench: ${cpus().length} cores, DuckDB threads ${args.threads}; times include profile setup (1 M customers: about 1 s)`);
  for (const name of names) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', name, '--threads', args.threads], { encoding: 'utf8' });
    if (r.status !== 0) {
      console.error(`${name} failed:\n${r.stderr}`);
      process.exitCode = 1;
      continue;
    }
    const x = JSON.parse(r.stdout.trim().split('\n').pop());
    console.log(
      `${x.case.padEnd(11)} ${String(x.transactions).padStart(9)} tx  ${x.seconds.toFixed(2).padStart(6)} s  ${String(x.txPerSecond).padStart(9)} tx/s  cpu ${x.cpuSeconds.toFixed(2)} s  peak RSS ${x.peakRssMb} MB  fraud ${x.fraudRatePct} %  S1/S2/S3 ${x.byScenario.s1}/${x.byScenario.s2}/${x.byScenario.s3}`,
    );
  }
}
