import type { Db } from '../lake/db.js';
import type { Lake } from '../lake/lake.js';
import type { Logger } from '../log.js';
import { ExitCode, FraudctlError } from '../errors.js';
import type { Day } from '../util/dates.js';
import { formatDays, readFailure } from './dayList.js';
import { duckdbMartEngine, type MartEngine } from './martEngine.js';
import { buildMartSql, CUSTOMER_MART, TERMINAL_MART, windowDays, windowEnd, type MartKind } from './martSql.js';

export interface BuildMartsOptions {
  delay: number;
  allowPartialHistory: boolean;
  overwrite: boolean;
  log: Logger;
  /** Where the SQL runs (default: DuckDB on `db`); --engine spark passes the Spark Connect engine. */
  engine?: MartEngine;
  /** Days with a transactions partition, when the caller already listed them (saves a listing per day). */
  available?: ReadonlySet<Day>;
}

export interface BuildMartsResult {
  day: Day;
  /** Rows written to the customer mart; null when that partition existed and was kept. */
  customers: number | null;
  terminals: number | null;
  /** Transaction days the windows wanted but the lake lacks (only with allowPartialHistory). */
  missingHistory: Day[];
  /** Both partitions existed and --overwrite was not given: nothing was read or written. */
  skipped: boolean;
  seconds: number;
}

/** Every transaction day the two marts of `day` read: D-29 … D and D-delay-29 … D-delay. */
export function historyDays(day: Day, delay: number): Day[] {
  const days = new Set([...windowDays(windowEnd(CUSTOMER_MART, day, delay)), ...windowDays(windowEnd(TERMINAL_MART, day, delay))]);
  return [...days].sort();
}

/** The history days of `day` that have no transactions partition. */
export function missingHistory(day: Day, delay: number, available: ReadonlySet<Day>): Day[] {
  return historyDays(day, delay).filter((d) => !available.has(d));
}

/** The exit-3 error for missing history, naming the days and the way out. */
export function missingHistoryError(martDays: Day[], missing: Day[], lake: Lake, partialAllowed = false): FraudctlError {
  const what = martDays.length === 1 ? `the marts of ${martDays[0]}` : `the marts of ${formatDays(martDays)}`;
  return new FraudctlError(`${what} need transactions that ${lake.uri} lacks: ${formatDays(missing)} (${missing.length} day${missing.length === 1 ? '' : 's'})`, ExitCode.Data, {
    hint: partialAllowed
      ? 'a mart day needs its own transactions even with --allow-partial-history: ingest or simulate it first'
      : 'ingest or simulate those days, or pass --allow-partial-history to compute over what exists (normal for the first 30 + delay days of a lake)',
    details: { missing },
  });
}

/**
 * Builds the customer and terminal marts of one day (DESIGN.md §3) and writes each atomically.
 * The transactions of the day itself are always required; older missing days fail with exit 3
 * unless allowPartialHistory. The terminal partition is written inside the customer partition's
 * write, so a failure of either build leaves both previous partitions as they were.
 */
export async function buildMartsForDay(db: Db, lake: Lake, day: Day, opts: BuildMartsOptions): Promise<BuildMartsResult> {
  const started = performance.now();
  const todo = {
    customer: opts.overwrite || !(await lake.has(CUSTOMER_MART.dataset, day)),
    terminal: opts.overwrite || !(await lake.has(TERMINAL_MART.dataset, day)),
  };
  if (!todo.customer && !todo.terminal) {
    opts.log.debug({ day }, 'marts already built; skipped');
    return { day, customers: null, terminals: null, missingHistory: [], skipped: true, seconds: 0 };
  }
  const available = opts.available ?? new Set(await lake.listDays('transactions'));
  if (!available.has(day)) {
    throw new FraudctlError(`no transactions for ${day} in ${lake.uri}: the marts of a day need that day's partition`, ExitCode.Data, {
      hint: `ingest or simulate ${day} first (fraudctl lake ls shows what exists)`,
    });
  }
  const missing = missingHistory(day, opts.delay, available);
  if (missing.length > 0 && !opts.allowPartialHistory) throw missingHistoryError([day], missing, lake);
  if (missing.length > 0) opts.log.warn({ day, missingHistory: missing }, `marts of ${day}: partial history, ${missing.length} day(s) missing: ${formatDays(missing)}`);

  const counts: { customers: number | null; terminals: number | null } = { customers: null, terminals: null };
  const meta = { delay: opts.delay, missing, engine: opts.engine ?? duckdbMartEngine(db) };
  const writeTerminal = async () => {
    if (todo.terminal) counts.terminals = await writeMart(db, lake, TERMINAL_MART, day, available, meta);
  };
  if (todo.customer) {
    await lake.writePartition(CUSTOMER_MART.dataset, day, async (tmp) => {
      counts.customers = await copyMart(db, lake, CUSTOMER_MART, day, available, meta, tmp);
      await writeTerminal();
    });
  } else {
    await writeTerminal();
  }
  const seconds = (performance.now() - started) / 1000;
  opts.log.info({ day, ...counts, seconds: Number(seconds.toFixed(2)) }, `marts of ${day} built`);
  return { day, ...counts, missingHistory: missing, skipped: false, seconds };
}

interface MartMeta {
  delay: number;
  missing: Day[];
  engine: MartEngine;
}

async function writeMart(db: Db, lake: Lake, kind: MartKind, day: Day, available: ReadonlySet<Day>, meta: MartMeta): Promise<number> {
  let rows = 0;
  await lake.writePartition(kind.dataset, day, async (tmp) => {
    rows = await copyMart(db, lake, kind, day, available, meta, tmp);
  });
  return rows;
}

/** Computes one mart into a parquet file at `target`; returns the number of rows. */
async function copyMart(db: Db, lake: Lake, kind: MartKind, day: Day, available: ReadonlySet<Day>, meta: MartMeta, target: string): Promise<number> {
  const end = windowEnd(kind, day, meta.delay);
  const days = windowDays(end).filter((d) => available.has(d));
  const paths = await meta.engine.readPaths(lake, 'transactions', days);
  const query = buildMartSql(kind, { martDay: day, end, partitions: days.map((d, i) => ({ day: d, path: paths[i] })) }, meta.engine.dialect);
  // Parquet key-value metadata records how the mart was built (read back by `marts show`).
  const kv = { 'fraudctl.delay': String(meta.delay), 'fraudctl.window_end': end, 'fraudctl.missing_history': meta.missing.join(',') };
  try {
    return await meta.engine.writeMart(query, target, { kv, orderBy: kind.entity, label: `${kind.dataset} mart of ${day}`, dataset: kind.dataset, day });
  } catch (e) {
    throw readFailure(e, `${kind.dataset} mart of ${day}: cannot read the transactions of ${formatDays(days)}`);
  }
}

export interface BuildMartsRangeOptions extends Omit<BuildMartsOptions, 'available'> {
  /** Ticked once per day (a progress bar on a TTY). */
  progress?: { tick(label?: string): void; done(): void };
  /** Checked between days: an interrupted range stops after the day in hand, never mid-write. */
  signal?: AbortSignal;
}

/**
 * Builds the marts of several days, each independently. History is checked for every day that
 * needs building before anything is written, so a missing day fails the range with nothing done.
 */
export async function buildMartsForDays(db: Db, lake: Lake, days: Day[], opts: BuildMartsRangeOptions): Promise<BuildMartsResult[]> {
  const available = new Set(await lake.listDays('transactions'));
  const missing = new Set<Day>();
  const blocked: Day[] = [];
  for (const day of days) {
    const built = !opts.overwrite && (await lake.has(CUSTOMER_MART.dataset, day)) && (await lake.has(TERMINAL_MART.dataset, day));
    // With partial history allowed, only the day's own partition is still required.
    const gaps = built ? [] : opts.allowPartialHistory ? [day].filter((d) => !available.has(d)) : missingHistory(day, opts.delay, available);
    if (gaps.length > 0) blocked.push(day);
    for (const d of gaps) missing.add(d);
  }
  if (missing.size > 0) throw missingHistoryError(blocked, [...missing].sort(), lake, opts.allowPartialHistory);
  const results: BuildMartsResult[] = [];
  try {
    for (const day of days) {
      if (opts.signal?.aborted) {
        const sig = String(opts.signal.reason);
        throw new FraudctlError(`interrupted (${sig}) after ${results.length} of ${days.length} days; the days built are complete`, sig === 'SIGTERM' ? ExitCode.Sigterm : ExitCode.Sigint);
      }
      results.push(await buildMartsForDay(db, lake, day, { ...opts, available }));
      opts.progress?.tick(day);
    }
  } finally {
    opts.progress?.done();
  }
  return results;
}
