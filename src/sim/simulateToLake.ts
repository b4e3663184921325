import { openDb, type Db } from '../lake/db.js';
import type { Lake } from '../lake/lake.js';
import type { Logger } from '../log.js';
import type { Progress } from '../progress.js';
import { usageError } from '../errors.js';
import { addDays, daysBetween, type Day } from '../util/dates.js';
import { DayWriter, dropStage } from './dayWriter.js';
import { throwIfAborted } from './interrupt.js';
import { generateDays } from './generateDays.js';
import type { SimParams } from './params.js';
import { addBatch, emptyStats, fraudRate, type SimStats } from './stats.js';

export interface SimulateDeps {
  lake: Lake;
  log: Logger;
  /** A DuckDB session to use; one is opened (and closed) when absent. */
  db?: Db;
  /** DuckDB threads for the parquet writer (default 1: this thread generates meanwhile). */
  threads?: number;
  progress?: Progress;
  /** Checked between days; the day being written is finished first (complete or absent). */
  signal?: AbortSignal;
  now?: () => number;
}

export interface SimulateSummary extends SimStats {
  lake: string;
  start: string;
  end: string;
  days: number;
  daysWritten: number;
  daysSkipped: number;
  skipped: string[];
  /** Share of frauds among the written transactions; null when none were written. */
  fraudRate: number | null;
  seconds: number;
  /** Written transactions per second of wall time (generation and parquet writing together). */
  txPerSecond: number;
}

/**
 * Simulates `params` into `transactions/date=D/data.parquet`, one atomic partition per day.
 * Existing partitions are kept (and logged) unless `overwrite`; every day is still generated, so
 * transaction ids and the fraud state are those of the full run. Pipelined: while DuckDB writes
 * day d on its own thread, this thread generates day d+1. Counts cover the written days.
 */
export async function simulateToLake(params: SimParams, deps: SimulateDeps, opts: { overwrite?: boolean } = {}): Promise<SimulateSummary> {
  const { lake, log } = deps;
  const now = deps.now ?? (() => performance.now());
  const t0 = now();
  await lake.ensureWritable({ create: true });
  const present = await lake.listDays('transactions');
  refuseRestart(present, params, lake.uri);
  const existing = new Set(opts.overwrite ? [] : present);
  const db = deps.db ?? (await openDb({ threads: deps.threads ?? 1 }));
  const stats = emptyStats();
  const skipped: string[] = [];
  let written = 0;
  let pending: ReturnType<typeof startWrite> | undefined;
  try {
    const writer = await DayWriter.open(db, params.start);
    for (const batch of generateDays(params)) {
      if (deps.signal?.aborted) break;
      if (existing.has(batch.day)) {
        skipped.push(batch.day);
        log.info({ day: batch.day, partition: lake.partitionUri('transactions', batch.day) }, 'partition exists, skipped (use --overwrite to replace it)');
        deps.progress?.tick(`${batch.day} skipped`);
        continue;
      }
      await pending;
      await writer.stage(batch);
      addBatch(stats, batch);
      written++;
      pending = startWrite(lake, batch.day, (tmp) => writer.copyTo(tmp));
      await pending.started;
      pending.then(() => deps.progress?.tick(batch.day), () => undefined);
      log.debug({ day: batch.day, transactions: batch.size }, 'day generated');
    }
    await pending;
    throwIfAborted(deps.signal);
  } finally {
    await pending?.catch(() => undefined);
    if (deps.db) await dropStage(db);
    else db.close();
  }
  deps.progress?.done();
  const seconds = (now() - t0) / 1000;
  return {
    lake: lake.uri,
    start: params.start,
    end: addDays(params.start, params.days - 1),
    days: params.days,
    daysWritten: written,
    daysSkipped: skipped.length,
    skipped,
    ...stats,
    fraudRate: fraudRate(stats),
    seconds: round(seconds, 3),
    txPerSecond: seconds > 0 ? Math.round(stats.transactions / seconds) : 0,
  };
}

/**
 * lake.writePartition, plus a `started` promise that resolves once `produce` has been called —
 * i.e. DuckDB is writing on its own thread and this thread is free to generate the next day.
 */
function startWrite(lake: Lake, day: string, produce: (tmp: string) => Promise<void>): Promise<void> & { started: Promise<void> } {
  let markStarted!: () => void;
  const started = new Promise<void>((r) => (markStarted = r));
  const done = lake.writePartition('transactions', day, (tmp) => {
    const p = produce(tmp);
    markStarted();
    return p;
  });
  // A failure before produce ran (mkdir) must also release the waiter.
  return Object.assign(done, { started: Promise.race([started, done.then(() => undefined)]) });
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * A simulation is one run from its start day: transaction ids, tx_time_days and the compromised
 * cards and terminals all continue from day 0. Starting again on a later (or earlier) day of a lake
 * that already holds days would restart them (duplicate ids, time going back, fraud state reset),
 * so that is refused; the consistent continuation is the whole range from the lake's first day,
 * whose existing days are skipped (same seed and sizes regenerate them identically).
 */
function refuseRestart(present: Day[], params: SimParams, uri: string): void {
  if (present.length === 0 || present[0] === params.start) return;
  const first = present[0];
  const last = addDays(params.start, params.days - 1) > present[present.length - 1] ? addDays(params.start, params.days - 1) : present[present.length - 1];
  const days = daysBetween(first, last) + 1;
  throw usageError(
    `the lake ${uri} already holds transactions from ${first} to ${present[present.length - 1]}; a simulation starting on ${params.start} would restart transaction ids, tx_time_days and the fraud state`,
    `continue the same simulation instead: --start ${first} --days ${days} with the same --seed, --customers and --terminals (existing days are skipped), or use a new --lake`,
  );
}
