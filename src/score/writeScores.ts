import type { FeatureRows } from '../features/assemble.js';
import { appendColumns } from '../lake/appendColumns.js';
import type { Db } from '../lake/db.js';
import { sqlString } from '../lake/db.js';
import { ExitCode, FraudctlError } from '../errors.js';
import { REASON_COLUMNS, type ScoreReasons } from '../explain/scoreReasons.js';

export interface ScoreMeta {
  threshold: number;
  modelUri: string;
  modelVersion: string | null;
  scoredAt: Date;
  /** `score --explain`: the flagged rows' reasons (row indexes into `rows`) and the model's feature names. */
  reasons?: { reasons: ScoreReasons; featureNames: readonly string[] };
}

/** Columns of scores/date=D/data.parquet, in order; `score --explain` appends REASON_COLUMNS. */
export const SCORE_COLUMNS = ['transaction_id', 'tx_datetime', 'customer_id', 'terminal_id', 'tx_amount', 'fraud_score', 'flagged', 'model_uri', 'model_version', 'scored_at'] as const;

/** The staged scores: the query that yields the scores file's rows in order, and the rows it must yield. */
export interface StagedScores {
  sql: string;
  params: Record<string, string | number | null>;
  rows: number;
  day: string;
  transactionsPath: string;
}

/**
 * Stages the scores for the scores file: only the scores (with each row's id; its position is its
 * rowid) go from JS to DuckDB, into the temp table `scored_in`; each row's own fields are read from the
 * transactions partition the features came from when the file is written (one COPY, no
 * materialized copy of the day in between). The two are paired by position (POSITIONAL JOIN:
 * both scanned in step, in file order) and every pair must agree on the file row number and the
 * id, so a partition replaced between the two reads cannot pair a score with another
 * transaction: its rows drop out and `copyScores` fails (exit 3) before the file is published.
 * Rows are ordered by time, then id; a partition already in that order (simulate
 * writes it so) is written in file order without a sort, which was ~40 % of the write's CPU time.
 * Fields are cast as the feature query casts them (tx_datetime at millisecond precision, as
 * epoch_ms gives it).
 */
export async function stageScores(db: Db, rows: FeatureRows, scores: Float64Array, meta: ScoreMeta): Promise<StagedScores> {
  // A row's position is its rowid (a fresh table filled in order): not sent as a column of its own.
  await appendColumns(db, 'scored_in', [
    { name: 'transaction_id', type: 'BIGINT', values: rows.transactionId },
    { name: 'fraud_score', type: 'DOUBLE', values: scores },
  ]);
  const reasonSql = meta.reasons ? await stageReasons(db, meta.reasons.reasons, meta.reasons.featureNames) : '';
  // The reasons' join does not keep the row order: sort then.
  const sort = reasonSql !== '' || !inTimeOrder(rows.txDatetimeMs, rows.transactionId);
  const sql = `SELECT s.transaction_id, make_timestamp(epoch_ms(t.tx_datetime) * 1000) AS tx_datetime, CAST(t.customer_id AS BIGINT) AS customer_id,
            CAST(t.terminal_id AS BIGINT) AS terminal_id, CAST(t.tx_amount AS DOUBLE) AS tx_amount, s.fraud_score,
            s.fraud_score >= $threshold AS flagged, ${constantText(meta.modelUri)} AS model_uri, ${constantText(meta.modelVersion)} AS model_version,
            $scored_at::TIMESTAMP AS scored_at${reasonSql ? `, ${reasonSql}` : ''}
     FROM read_parquet(${sqlString(rows.transactionsPath)}, file_row_number = true) t
     POSITIONAL JOIN (SELECT rowid AS row_idx, * FROM scored_in) s${reasonSql ? ' LEFT JOIN scored_reasons r ON r.row_idx = s.row_idx' : ''}
     WHERE s.row_idx = t.file_row_number AND s.transaction_id = CAST(t.transaction_id AS BIGINT)${sort ? '\n     ORDER BY tx_datetime, transaction_id' : ''}`;
  const params = { threshold: meta.threshold, scored_at: meta.scoredAt.toISOString().replace('T', ' ').replace('Z', '') };
  return { sql, params, rows: rows.n, day: rows.day, transactionsPath: rows.transactionsPath };
}

/**
 * A text column with one value on every row. As a one-member ENUM, not VARCHAR: the parquet writer
 * takes an enum's dictionary as it is instead of hashing the string of each of the 2 M rows (~0.1 s
 * a column, a quarter of the single-threaded COPY), and writes it as the same UTF8 column.
 */
function constantText(value: string | null): string {
  return value === null ? 'NULL::VARCHAR' : `CAST(${sqlString(value)} AS ENUM(${sqlString(value)}))`;
}

/** Whether rows are already ordered by (time in ms, id): then file order is the scores' order. */
export function inTimeOrder(ms: Float64Array, id: BigInt64Array): boolean {
  for (let i = 1; i < ms.length; i++) {
    if (ms[i] > ms[i - 1]) continue;
    if (ms[i] < ms[i - 1] || id[i] < id[i - 1]) return false;
  }
  return true;
}

/** The K highest scores (ties by id), with their transactions' fields, as the scores file has them. */
export async function topScores(db: Db, staged: StagedScores, k: number) {
  return db.all<{ transaction_id: bigint; tx_datetime: string; customer_id: bigint; terminal_id: bigint; tx_amount: number; fraud_score: number }>(
    `WITH top AS (SELECT rowid AS row_idx, * FROM scored_in ORDER BY fraud_score DESC, transaction_id LIMIT ${Math.max(0, Math.floor(k))})
     SELECT top.transaction_id, strftime(make_timestamp(epoch_ms(t.tx_datetime) * 1000), '%Y-%m-%d %H:%M:%S') AS tx_datetime, CAST(t.customer_id AS BIGINT) AS customer_id,
            CAST(t.terminal_id AS BIGINT) AS terminal_id, CAST(t.tx_amount AS DOUBLE) AS tx_amount, top.fraud_score
     FROM top JOIN read_parquet(${sqlString(staged.transactionsPath)}, file_row_number = true) t ON t.file_row_number = top.row_idx
     ORDER BY top.fraud_score DESC, top.transaction_id`,
  );
}

/** Drops the staging tables (after the last COPY and the top rows). */
export async function dropStaged(db: Db): Promise<void> {
  await db.run('DROP TABLE IF EXISTS scored_in');
  await db.run('DROP TABLE IF EXISTS scored_reasons');
}

/**
 * The reasons into the temp table `scored_reasons` (one row per flagged transaction); returns the
 * select list naming them as REASON_COLUMNS. Unflagged rows get nulls from the left join.
 */
async function stageReasons(db: Db, r: ScoreReasons, featureNames: readonly string[]): Promise<string> {
  const k = r.feature.length;
  await appendColumns(db, 'scored_reasons', [
    { name: 'row_idx', type: 'INTEGER', values: r.row },
    ...r.feature.flatMap((_, q) => [
      { name: `f${q}`, type: 'INTEGER' as const, values: r.feature[q] },
      { name: `v${q}`, type: 'DOUBLE' as const, values: r.value[q] },
      { name: `c${q}`, type: 'DOUBLE' as const, values: r.contribution[q] },
    ]),
  ]);
  const names = `[${featureNames.map(sqlString).join(', ')}]::VARCHAR[]`;
  return Array.from({ length: k }, (_, q) => `list_extract(${names}, r.f${q} + 1) AS ${REASON_COLUMNS[3 * q]}, r.v${q} AS ${REASON_COLUMNS[3 * q + 1]}, r.c${q} AS ${REASON_COLUMNS[3 * q + 2]}`).join(', ');
}

export type OutFormat = 'parquet' | 'csv' | 'json';

export function outFormat(path: string): OutFormat | undefined {
  const m = /\.(parquet|csv|json)$/i.exec(path);
  return m ? (m[1].toLowerCase() as OutFormat) : undefined;
}

/** COPY the staged scores to a file in the given format; exit 3 when the rows no longer all match. */
export async function copyScores(db: Db, staged: StagedScores, path: string, format: OutFormat): Promise<void> {
  await (await startCopyScores(db, staged, path, format)).finished;
}

/**
 * copyScores in two steps: resolves once DuckDB is running the COPY (on its own threads), to the
 * promise of its end, so that the caller can compute meanwhile (score's summary figures).
 */
export async function startCopyScores(db: Db, staged: StagedScores, path: string, format: OutFormat): Promise<{ finished: Promise<void> }> {
  const opts = format === 'parquet' ? 'FORMAT parquet' : format === 'csv' ? 'FORMAT csv, HEADER true' : 'FORMAT json, ARRAY true';
  const prepared = await db.conn.prepare(`COPY (${staged.sql}) TO ${sqlString(path)} (${opts})`);
  let running: Promise<{ getRowObjectsJS(): unknown[] }>;
  try {
    prepared.bind(staged.params);
    running = prepared.runAndReadAll();
  } catch (e) {
    prepared.destroySync();
    throw e;
  }
  const finished = (async () => {
    try {
      const [written] = (await running).getRowObjectsJS() as { Count: bigint }[];
      if (Number(written.Count) !== staged.rows) {
        throw new FraudctlError(`transactions of ${staged.day} changed while they were scored (${written.Count} of ${staged.rows} rows still match)`, ExitCode.Data, {
          hint: 'run the score again once the partition is no longer being rewritten',
        });
      }
    } finally {
      prepared.destroySync();
    }
  })();
  return { finished };
}
