import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ExitCode, FraudctlError } from '../errors.js';
import { openDb, sqlString, type Db } from '../lake/db.js';
import type { Lake } from '../lake/lake.js';
import type { Logger } from '../log.js';
import type { Progress } from '../progress.js';
import type { Day } from '../util/dates.js';
import { buildDedupSql } from './dedup.js';
import { buildQuarantineTableSql, FILES_DDL } from './output.js';
import { publishDays, type DayAction, type DayOutcome } from './publish.js';
import type { IngestRules, Reason } from './rules.js';
import { checkHeader, prescanFile } from './scanFile.js';
import { STAGE_DDL, stageFile, throwIfInterrupted } from './stage.js';
import { collectStats } from './stats.js';

export interface IngestInput {
  /** Local path DuckDB reads. */
  path: string;
  /** As the user named it (recorded in the quarantine's source_file). */
  name: string;
}

export interface IngestOptions {
  files: IngestInput[];
  rules: IngestRules;
  overwrite: boolean;
  /** Parse, clean and report, but write nothing. */
  dryRun: boolean;
  threads: number;
  /** DuckDB memory_limit, e.g. '3GB'. */
  memoryLimit: string;
  /** Parent of the staging directory (staging database and DuckDB spill files). */
  tmpDir: string;
  extensionDir?: string;
}

export interface IngestDeps {
  lake: Lake;
  log: Logger;
  signal?: AbortSignal;
  progress?: (total: number, title: string) => Progress;
  /** Monotonic milliseconds. */
  now?: () => number;
}

export interface IngestSummary {
  files: { file: string; rowsRead: number; firstDay: Day | null; lastDay: Day | null }[];
  rules: IngestRules;
  dryRun: boolean;
  rowsRead: number;
  rowsKept: number;
  rowsQuarantined: number;
  quarantinedByReason: Record<Reason, number>;
  duplicatesDropped: number;
  /** Rows read with `24:00:00`, and how many of them were moved to the next day 00:00:00. */
  hour24Rows: number;
  hour24Fixed: number;
  /** Kept rows whose given tx_time_seconds / tx_time_days disagreed with tx_datetime (recomputed unless --no-recompute-time). */
  timeSecondsMismatched: number;
  timeDaysMismatched: number;
  days: Record<DayAction, Day[]>;
  /** Clean rows now in the lake / not written because their day was skipped. */
  rowsWritten: number;
  rowsSkipped: number;
  quarantineRowsWritten: number;
  dayDetails: DayOutcome[];
  seconds: number;
}

/**
 * Raw dumps → cleaned daily partitions (issue 9). Nothing reaches the lake before every file has
 * been checked and parsed: a malformed file fails the whole run with exit 3.
 */
export async function ingest(opts: IngestOptions, deps: IngestDeps): Promise<IngestSummary> {
  const now = deps.now ?? (() => performance.now());
  const t0 = now();
  const { log, lake } = deps;
  const lap = (what: string, since: number, extra: Record<string, unknown> = {}) =>
    log.info({ ...extra, seconds: +((now() - since) / 1000).toFixed(2) }, `ingest: ${what}`);

  for (const f of opts.files) await requireFile(f);
  if (!opts.dryRun) await lake.ensureWritable({ create: true });
  const crlf: boolean[] = [];
  for (const f of opts.files) {
    const t = now();
    crlf.push((await checkHeader(f.path)).crlf);
    await prescanFile(f.path, deps.signal);
    throwIfInterrupted(deps.signal);
    lap(`checked ${f.name}`, t);
  }

  await mkdir(opts.tmpDir, { recursive: true });
  const work = await mkdtemp(join(opts.tmpDir, 'fraudctl-ingest-'));
  let db: Db | undefined;
  const onAbort = () => db?.conn.interrupt();
  deps.signal?.addEventListener('abort', onAbort);
  try {
    db = await openDb({ threads: opts.threads, memoryLimit: opts.memoryLimit, extensionDir: opts.extensionDir });
    await db.run(`SET temp_directory = ${sqlString(join(work, 'spill'))}`);
    await db.run(`ATTACH ${sqlString(join(work, 'stage.duckdb'))} AS st`);
    await lake.configureDb?.(db);

    // 1. Stage every file in order (rowid = position in the input).
    await db.run('SET preserve_insertion_order = true');
    await db.run(STAGE_DDL);
    const firstRowid: number[] = [];
    let total = 0;
    for (const [i, f] of opts.files.entries()) {
      const t = now();
      firstRowid.push(total);
      const n = await stageFile(db, f.path, i, opts.rules, crlf[i], deps.signal);
      total += n;
      lap(`parsed ${f.name}`, t, { rows: n });
    }

    // 2. Duplicates, counts, quarantine: order no longer matters, parallel freely.
    await db.run('SET preserve_insertion_order = false');
    let t = now();
    for (const sql of buildDedupSql(opts.rules.dropDuplicates)) await runQuery(db, sql, deps.signal);
    lap('duplicates found', t);
    t = now();
    const stats = await collectStats(db, opts.files.length, opts.rules);
    await db.run(FILES_DDL);
    for (const [i, f] of opts.files.entries()) {
      const fallback = stats.files[i].firstDay ?? opts.rules.timeOrigin;
      await db.run(`INSERT INTO files VALUES (${i}, ${sqlString(f.name)}, ${firstRowid[i]}, DATE '${fallback}')`);
    }
    await runQuery(db, buildQuarantineTableSql(), deps.signal);
    lap('counted', t, { rowsRead: stats.rowsRead, kept: stats.rowsKept, quarantined: stats.rowsQuarantined });
    if (stats.rowsKept > 0 && stats.timeSecondsMismatched > stats.rowsKept / 2) {
      log.warn({ timeOrigin: opts.rules.timeOrigin, mismatched: stats.timeSecondsMismatched, kept: stats.rowsKept }, 'ingest: most rows disagree with tx_time_seconds counted from --time-origin; is the origin right?');
    }

    // 3. One partition per day, through the lake (atomic writes).
    t = now();
    const progress = deps.progress?.(stats.days.length, opts.dryRun ? 'checking days' : 'writing days');
    const outcomes = await publishDays({ db, lake, log, signal: deps.signal, progress }, stats.days, opts.rules, opts);
    lap(opts.dryRun ? 'dry run: nothing written' : 'days written', t);

    const days: Record<DayAction, Day[]> = { written: [], replaced: [], merged: [], skipped: [] };
    for (const o of outcomes) days[o.action].push(o.day);
    return {
      files: opts.files.map((f, i) => ({ file: f.name, rowsRead: stats.files[i].rowsRead, firstDay: stats.files[i].firstDay ?? null, lastDay: stats.files[i].lastDay ?? null })),
      rules: opts.rules,
      dryRun: opts.dryRun,
      rowsRead: stats.rowsRead,
      rowsKept: stats.rowsKept,
      rowsQuarantined: stats.rowsQuarantined,
      quarantinedByReason: stats.quarantinedByReason,
      duplicatesDropped: stats.duplicatesDropped,
      hour24Rows: stats.hour24Found,
      hour24Fixed: opts.rules.fixHour24 ? stats.hour24Found : 0,
      timeSecondsMismatched: stats.timeSecondsMismatched,
      timeDaysMismatched: stats.timeDaysMismatched,
      days,
      rowsWritten: outcomes.reduce((s, o) => s + o.rowsWritten, 0),
      rowsSkipped: outcomes.filter((o) => o.action === 'skipped').reduce((s, o) => s + o.rows, 0),
      quarantineRowsWritten: outcomes.reduce((s, o) => s + o.quarantineWritten, 0),
      dayDetails: outcomes,
      seconds: +((now() - t0) / 1000).toFixed(2),
    };
  } catch (e) {
    // A query cut short by SIGINT / SIGTERM fails with DuckDB's "Interrupted": exit 130 / 143.
    throwIfInterrupted(deps.signal, e);
    throw e;
  } finally {
    deps.signal?.removeEventListener('abort', onAbort);
    db?.close();
    await rm(work, { recursive: true, force: true });
  }
}

async function requireFile(f: IngestInput): Promise<void> {
  try {
    const s = await stat(f.path);
    if (!s.isFile()) throw new FraudctlError(`${f.name} is not a regular file`, ExitCode.Data);
  } catch (e) {
    if (e instanceof FraudctlError) throw e;
    throw new FraudctlError(`input file ${f.name} not found (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, ExitCode.Data);
  }
}

async function runQuery(db: Db, sql: string, signal?: AbortSignal): Promise<void> {
  try {
    await db.run(sql);
  } catch (e) {
    throwIfInterrupted(signal, e);
    throw e;
  }
}
