import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Ctx } from '../context.js';
import { usageError } from '../errors.js';
import type { SimParams } from '../sim/params.js';
import { SIM_DEFAULTS } from '../sim/params.js';
import type { RawSummary } from '../sim/rawDump.js';
import type { SimulateSummary } from '../sim/simulateToLake.js';
import type { SimStats } from '../sim/stats.js';
import { choiceArg, dayArg, examples, intArg, numberArg } from './args.js';
import type { CommandDef } from './types.js';
import { LAKE_KEYS, pickSettings } from '../config.js';
import { action } from './action.js';
import { addOptions, option, toggle, type OptionValues } from './optionTable.js';
import { checkFileTarget } from './pathChecks.js';

const FORMATS = ['parquet', 'raw'] as const;

/** `fraudctl simulate`: the simulator's parameters (defaults from SIM_DEFAULTS) plus the output choices. */
export const SIMULATE_OPTIONS = {
  start: option('--start <day>', 'first day, YYYY-MM-DD', dayArg, { required: true as const }),
  days: option('--days <n>', 'number of days', intArg(1, 100_000), { required: true as const }),
  customers: option('--customers <n>', 'number of customers', intArg(1, 2 ** 31 - 1), { default: 5000 }),
  terminals: option('--terminals <n>', 'number of terminals', intArg(1, 2 ** 31 - 1), { default: 10_000 }),
  seed: option('--seed <n>', 'random seed: the same seed gives the same data', intArg(0, 2 ** 32 - 1), { default: 0 }),
  radius: option('--radius <r>', 'customers use terminals closer than r on the 100×100 map', numberArg(0, 1000, { exclusiveMin: true }), { default: SIM_DEFAULTS.radius as number }),
  fraudAmount: option('--fraud-amount <x>', 'scenario 1: amounts above x are fraud', numberArg(0, 1e12), { default: SIM_DEFAULTS.fraudAmount as number }),
  compromisedTerminals: option('--compromised-terminals <n>', 'scenario 2: terminals compromised per day', intArg(0), { default: SIM_DEFAULTS.compromisedTerminals as number }),
  terminalFraudDays: option('--terminal-fraud-days <n>', 'scenario 2: days a compromised terminal stays fraudulent', intArg(0), { default: SIM_DEFAULTS.terminalFraudDays as number }),
  compromisedCustomers: option('--compromised-customers <n>', 'scenario 3: customers compromised per day', intArg(0), { default: SIM_DEFAULTS.compromisedCustomers as number }),
  customerFraudDays: option('--customer-fraud-days <n>', 'scenario 3: days a compromised customer stays at risk', intArg(0), { default: SIM_DEFAULTS.customerFraudDays as number }),
  customerFraudShare: option('--customer-fraud-share <p>', 'scenario 3: probability that a transaction of a compromised customer is fraud', numberArg(0, 1), { default: SIM_DEFAULTS.customerFraudShare as number }),
  fraudMultiplier: option('--fraud-multiplier <k>', 'scenario 3: amount multiplier of those frauds', numberArg(0, 1e6), { default: SIM_DEFAULTS.fraudMultiplier as number }),
  format: option('--format <f>', 'parquet: daily lake partitions; raw: one text file in the course format', choiceArg(FORMATS), { default: 'parquet' as (typeof FORMATS)[number], choices: FORMATS }),
  out: option('--out <file>', 'output file (--format raw only)', String, { check: checkFileTarget }),
  injectDefects: toggle('--inject-defects', "plant the course's data-quality defects (--format raw only)"),
  defectsPerKind: option('--defects-per-kind <n>', 'rows per defect kind with --inject-defects', intArg(1, 1_000_000), { default: 20 }),
  overwrite: toggle('--overwrite', 'replace existing day partitions (default: keep and skip them) or an existing --out file'),
};
type SimulateOpts = OptionValues<typeof SIMULATE_OPTIONS>;

/** --out and --inject-defects belong to --format raw, which needs --out. */
function formatProblems(o: SimulateOpts): (string | undefined)[] {
  if (o.format === 'raw') return [o.out === undefined ? '--format raw needs --out FILE' : undefined];
  return [
    o.out !== undefined ? '--out is for --format raw; --format parquet writes to the lake (--lake)' : undefined,
    o.injectDefects ? '--inject-defects is for --format raw only' : undefined,
  ];
}

export const simulateCommand: CommandDef = (program, run) => {
  addOptions(
    program
      .command('simulate')
      .description("generate card transactions with the handbook's simulator (3 fraud scenarios) into the lake, one parquet partition per day, or as one raw text dump"),
    SIMULATE_OPTIONS,
  )
    .addHelpText(
      'after',
      examples(
        'fraudctl simulate --start 2025-01-01 --days 90 --customers 5000 --terminals 10000 --seed 42',
        'fraudctl simulate --start 2025-01-01 --days 30 --lake s3://bucket/lake --overwrite',
        'fraudctl simulate --start 2019-08-22 --days 3 --format raw --out 2019-08-22.txt --inject-defects --json',
      ),
    )
    .action(
      action(
        run,
        SIMULATE_OPTIONS,
        async (o, ctx) => {
          const { resolveSimParams } = await import('../sim/params.js');
          const params = resolveSimParams(o);
          return { ...(o.format === 'raw' ? await simulateRaw(ctx, params, o) : await simulateParquet(ctx, params, o)) };
        },
        formatProblems,
      ),
    );
};

async function simulateParquet(ctx: Ctx, params: SimParams, o: SimulateOpts): Promise<SimulateSummary> {
  const { openLake } = await import('../lake/openLake.js');
  const { simulateToLake } = await import('../sim/simulateToLake.js');
  const lake = await openLake(pickSettings(ctx.config, LAKE_KEYS), ctx.log, ctx.runEnv.cwd);
  const progress = ctx.progress(params.days, 'simulate');
  // One DuckDB thread writes parquet while this one generates the next day: measured faster (and
  // 20 % less CPU) than giving DuckDB every core, at 5 k and at 1 M customers.
  const s = await simulateToLake(params, { lake, log: ctx.log, threads: 1, progress, signal: ctx.signal }, { overwrite: o.overwrite });
  ctx.out.line(`simulated ${s.start} … ${s.end} (${plural(s.days, 'day')}) into ${s.lake}: ${s.daysWritten} written, ${s.daysSkipped} skipped (existing)`);
  printStats(ctx, s, s.fraudRate);
  ctx.out.line(`${s.seconds} s, ${fmt(s.txPerSecond)} tx/s`);
  return s;
}

async function simulateRaw(ctx: Ctx, params: SimParams, o: SimulateOpts): Promise<RawSummary> {
  const out = resolve(ctx.runEnv.cwd, o.out!);
  if (existsSync(out) && !o.overwrite) throw usageError(`--out ${o.out} already exists; pass --overwrite to replace it`);
  const { simulateToRaw } = await import('../sim/rawDump.js');
  const progress = ctx.progress(params.days, 'simulate');
  const s = await simulateToRaw(params, out, { defectsPerKind: o.injectDefects ? o.defectsPerKind : 0, log: ctx.log, progress, signal: ctx.signal });
  ctx.out.line(`wrote ${s.out}: ${fmt(s.rows)} rows for ${s.start} … ${s.end} (${plural(s.days, 'day')})`);
  printStats(ctx, s, s.fraudRate);
  if (o.injectDefects) ctx.out.line(`injected: ${Object.entries(s.injected).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  ctx.out.line(`${s.seconds} s, ${fmt(s.rowsPerSecond)} rows/s`);
  return s;
}

function printStats(ctx: Ctx, s: SimStats, rate: number | null): void {
  const pct = rate === null ? 'n/a' : `${(rate * 100).toFixed(3)} %`;
  ctx.out.line(`transactions ${fmt(s.transactions)}, frauds ${fmt(s.frauds)} (${pct}); by scenario 1 / 2 / 3: ${fmt(s.byScenario.s1)} / ${fmt(s.byScenario.s2)} / ${fmt(s.byScenario.s3)}`);
}

function plural(n: number, word: string): string {
  return `${fmt(n)} ${word}${n === 1 ? '' : 's'}`;
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}
