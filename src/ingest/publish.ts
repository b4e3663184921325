import { sqlString, type Db } from '../lake/db.js';
import type { Lake } from '../lake/lake.js';
import type { Logger } from '../log.js';
import type { Progress } from '../progress.js';
import type { Day } from '../util/dates.js';
import { keptRowsSql, quarantineRowsSql } from './output.js';
import type { IngestRules } from './rules.js';
import { throwIfInterrupted } from './stage.js';
import type { DayCounts } from './stats.js';

/**
 * What happened to a day:
 *  - written: the day was not in the lake;
 *  - replaced: it was, and --overwrite replaced it;
 *  - merged: rows added to an existing day without touching its rows — a day this input holds only
 *    through 24:00:00 rows of its previous day (the next file's first day), or an existing day that
 *    holds nothing but such midnight rows (left by the previous file);
 *  - skipped: it was, without --overwrite (or a merge would add nothing).
 */
export type DayAction = 'written' | 'replaced' | 'merged' | 'skipped';

export interface DayOutcome {
  day: Day;
  action: DayAction;
  /** Clean rows of this input for the day, and how many of them are now in the lake. */
  rows: number;
  rowsWritten: number;
  quarantined: number;
  quarantineWritten: number;
}

export interface PublishDeps {
  db: Db;
  lake: Lake;
  log: Logger;
  signal?: AbortSignal;
  progress?: Progress;
}

const PARQUET = '(FORMAT parquet, COMPRESSION zstd)';

/** One partition file as written (no hive column `date` taken from its path). */
const readPart = (path: string) => `read_parquet(${sqlString(path)}, hive_partitioning = false)`;

export async function publishDays(deps: PublishDeps, days: DayCounts[], rules: IngestRules, opts: { overwrite: boolean; dryRun: boolean }): Promise<DayOutcome[]> {
  const out: DayOutcome[] = [];
  for (const d of days) {
    throwIfInterrupted(deps.signal);
    const outcome = await publishDay(deps, d, rules, opts);
    deps.log.info({ day: d.day, action: outcome.action, rows: outcome.rowsWritten, quarantined: outcome.quarantineWritten, dryRun: opts.dryRun || undefined }, `ingest: ${d.day} ${outcome.action}`);
    deps.progress?.tick(d.day);
    out.push(outcome);
  }
  deps.progress?.done();
  return out;
}

async function publishDay(deps: PublishDeps, d: DayCounts, rules: IngestRules, opts: { overwrite: boolean; dryRun: boolean }): Promise<DayOutcome> {
  const { lake } = deps;
  const base = { day: d.day, rows: d.kept, quarantined: d.quarantined };
  const kept = keptRowsSql(d.day, rules);
  const quarantine = quarantineRowsSql(d.day);
  if (d.kept === 0) {
    // Only quarantined rows: add them to the day's quarantine (a union, so re-running adds nothing).
    const n = opts.dryRun ? d.quarantined : await unionQuarantine(deps, d.day, quarantine);
    return { ...base, action: n > 0 ? 'written' : 'skipped', rowsWritten: 0, quarantineWritten: n };
  }
  const exists = await lake.has('transactions', d.day);
  let action: DayAction;
  if (!exists) action = 'written';
  else if (d.ownRows === 0 || (await isMidnightStub(deps, d.day))) action = 'merged';
  else action = opts.overwrite ? 'replaced' : 'skipped';

  if (action === 'skipped') return { ...base, action, rowsWritten: 0, quarantineWritten: 0 };
  if (action === 'merged') {
    const [existing] = await lake.pathsForRead('transactions', [d.day]);
    const fresh = `SELECT * FROM (${kept}) k WHERE k.transaction_id NOT IN (SELECT transaction_id FROM ${readPart(existing)})`;
    const [{ n }] = await deps.db.all<{ n: bigint }>(`SELECT count(*) AS n FROM (${fresh})`);
    const added = Number(n);
    if (added === 0) return { ...base, action: 'skipped', rowsWritten: 0, quarantineWritten: 0 };
    if (!opts.dryRun) {
      await lake.writePartition('transactions', d.day, (tmp) =>
        deps.db.run(`COPY (SELECT * FROM ${readPart(existing)} UNION ALL ${fresh}) TO ${sqlString(tmp)} ${PARQUET}`),
      );
    }
    const q = opts.dryRun ? d.quarantined : await unionQuarantine(deps, d.day, quarantine);
    return { ...base, action, rowsWritten: added, quarantineWritten: q };
  }
  // written / replaced: the day's transactions and quarantine are this input's. An old quarantine
  // partition is replaced even by an empty one, so it never describes rows that are gone.
  if (!opts.dryRun) {
    await lake.writePartition('transactions', d.day, (tmp) => deps.db.run(`COPY (${kept}) TO ${sqlString(tmp)} ${PARQUET}`));
    if (d.quarantined > 0 || (await lake.has('quarantine', d.day))) {
      await lake.writePartition('quarantine', d.day, (tmp) => deps.db.run(`COPY (${quarantine}) TO ${sqlString(tmp)} ${PARQUET}`));
    }
  }
  return { ...base, action, rowsWritten: d.kept, quarantineWritten: d.quarantined };
}

/** True when every row of the day's partition is at exactly 00:00:00: the spill-over of 24:00:00 rows. */
async function isMidnightStub(deps: PublishDeps, day: Day): Promise<boolean> {
  const [path] = await deps.lake.pathsForRead('transactions', [day]);
  const [r] = await deps.db.all<{ other: bigint }>(
    `SELECT count(*) FILTER (WHERE tx_datetime <> TIMESTAMP '${day} 00:00:00') AS other FROM ${readPart(path)}`,
  );
  return Number(r.other) === 0;
}

/** Adds the day's quarantined rows to its quarantine partition; returns the rows added. */
async function unionQuarantine(deps: PublishDeps, day: Day, quarantine: string): Promise<number> {
  if (!(await deps.lake.has('quarantine', day))) {
    const [{ n }] = await deps.db.all<{ n: bigint }>(`SELECT count(*) AS n FROM (${quarantine})`);
    if (Number(n) === 0) return 0;
    await deps.lake.writePartition('quarantine', day, (tmp) => deps.db.run(`COPY (${quarantine}) TO ${sqlString(tmp)} ${PARQUET}`));
    return Number(n);
  }
  const [existing] = await deps.lake.pathsForRead('quarantine', [day]);
  const fresh = `SELECT * FROM (${quarantine}) EXCEPT SELECT * FROM ${readPart(existing)}`;
  const [{ n }] = await deps.db.all<{ n: bigint }>(`SELECT count(*) AS n FROM (${fresh})`);
  if (Number(n) === 0) return 0;
  await deps.lake.writePartition('quarantine', day, (tmp) =>
    deps.db.run(`COPY (SELECT * FROM ${readPart(existing)} UNION ALL (${fresh})) TO ${sqlString(tmp)} ${PARQUET}`),
  );
  return Number(n);
}
