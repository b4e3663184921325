import type { Db } from '../lake/db.js';
import type { Day } from '../util/dates.js';
import { REASONS, type IngestRules, type Reason } from './rules.js';
import { STAGE_TABLE } from './stage.js';
import { computedDaysSql, computedSecondsSql } from './output.js';

/** Counts of one (file, day): what the rules made of its rows. */
export interface DayCounts {
  day: Day;
  kept: number;
  quarantined: number;
  /** Rows (not counting dropped copies) that are not 24:00:00 rows: 0 means the day exists only through the fix. */
  ownRows: number;
}

export interface FileCounts {
  rowsRead: number;
  /** Earliest / latest day of a parseable datetime; undefined when none parses. */
  firstDay?: Day;
  lastDay?: Day;
}

export interface StageStats {
  files: FileCounts[];
  days: DayCounts[];
  rowsRead: number;
  rowsKept: number;
  rowsQuarantined: number;
  quarantinedByReason: Record<Reason, number>;
  duplicatesDropped: number;
  hour24Found: number;
  /** Kept rows whose given tx_time_seconds / tx_time_days differ from the ones computed from tx_datetime (or do not parse). */
  timeSecondsMismatched: number;
  timeDaysMismatched: number;
}

interface Row {
  file_no: number;
  day: string | null;
  status: string;
  hour24: boolean;
  n: bigint;
  seconds_mismatch: bigint;
  days_mismatch: bigint;
}

/** One scan of the staged rows, grouped by file, day, fate and the 24:00:00 flag. */
export async function collectStats(db: Db, fileCount: number, rules: IngestRules): Promise<StageStats> {
  const rows = await db.all<Row>(`
    SELECT s.file_no, strftime(s.day, '%Y-%m-%d') AS day, coalesce(f.fate, s.reason, 'kept') AS status, s.hour24,
      count(*) AS n,
      count(*) FILTER (WHERE s.given_seconds IS DISTINCT FROM ${computedSecondsSql(rules, 's.')}) AS seconds_mismatch,
      count(*) FILTER (WHERE s.given_days IS DISTINCT FROM ${computedDaysSql(rules, 's.')}) AS days_mismatch
    FROM ${STAGE_TABLE} s LEFT JOIN fates f ON f.rn = s.rowid
    GROUP BY ALL`);
  const files: FileCounts[] = Array.from({ length: fileCount }, () => ({ rowsRead: 0 }));
  const stats: StageStats = {
    files,
    days: [],
    rowsRead: 0,
    rowsKept: 0,
    rowsQuarantined: 0,
    quarantinedByReason: Object.fromEntries(REASONS.map((r) => [r.reason, 0])) as Record<Reason, number>,
    duplicatesDropped: 0,
    hour24Found: 0,
    timeSecondsMismatched: 0,
    timeDaysMismatched: 0,
  };
  for (const r of rows) {
    const n = Number(r.n);
    const f = files[r.file_no];
    f.rowsRead += n;
    if (r.day !== null) {
      if (f.firstDay === undefined || r.day < f.firstDay) f.firstDay = r.day;
      if (f.lastDay === undefined || r.day > f.lastDay) f.lastDay = r.day;
    }
  }
  const byDay = new Map<Day, DayCounts>();
  const dayOf = (day: Day) => byDay.get(day) ?? byDay.set(day, { day, kept: 0, quarantined: 0, ownRows: 0 }).get(day)!;
  for (const r of rows) {
    const n = Number(r.n);
    stats.rowsRead += n;
    if (r.hour24) stats.hour24Found += n;
    if (r.status === 'duplicate') {
      stats.duplicatesDropped += n;
      continue;
    }
    // A row without a parseable datetime is filed under its file's first day (or the time origin).
    const d = dayOf(r.day ?? files[r.file_no].firstDay ?? rules.timeOrigin);
    if (!r.hour24) d.ownRows += n;
    if (r.status === 'kept') {
      stats.rowsKept += n;
      d.kept += n;
      stats.timeSecondsMismatched += Number(r.seconds_mismatch);
      stats.timeDaysMismatched += Number(r.days_mismatch);
    } else {
      stats.rowsQuarantined += n;
      d.quarantined += n;
      stats.quarantinedByReason[r.status as Reason] += n;
    }
  }
  stats.days = [...byDay.values()].sort((a, b) => (a.day < b.day ? -1 : 1));
  return stats;
}
