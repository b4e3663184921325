import { sqlString, type Db } from '../lake/db.js';
import { ExitCode, FraudctlError } from '../errors.js';
import { printable, RAW_COLUMNS } from './rawFormat.js';
import { reasonSql, type IngestRules } from './rules.js';
import { badLine, locateBadLine } from './scanFile.js';

/**
 * Stage: one parallel pass of DuckDB's CSV reader per file into a staging table, rows in file order
 * (insertion order preserved, so `rowid` is the row's position: line = rowid - first rowid of the
 * file + 2). Every field is read as VARCHAR, then TRY_CAST; the row-local quarantine reason is
 * decided here, and the raw text is kept only for rows that have one.
 */
export const STAGE_TABLE = 'st.stg';

/** Raw text columns (r_*) hold the fields as read; NULL means the field was empty. */
export const RAW_FIELDS = RAW_COLUMNS.map((c) => `r_${c}`);

export const STAGE_DDL = `CREATE TABLE ${STAGE_TABLE} (
  file_no SMALLINT, transaction_id BIGINT, tx_datetime TIMESTAMP, day DATE, customer_id BIGINT,
  terminal_id BIGINT, tx_amount DOUBLE, given_seconds BIGINT, given_days INTEGER, tx_fraud TINYINT,
  tx_fraud_scenario TINYINT, hour24 BOOLEAN, reason VARCHAR,
  ${RAW_FIELDS.map((f) => `${f} VARCHAR`).join(', ')})`;

const CSV_COLUMNS = ['c_id', 'c_dt', 'c_cust', 'c_term', 'c_amount', 'c_secs', 'c_days', 'c_fraud', 'c_scen'];

export function buildStageInsert(file: string, fileNo: number, rules: IngestRules): string {
  const columns = `{${CSV_COLUMNS.map((c) => `'${c}': 'VARCHAR'`).join(', ')}}`;
  const datetime = rules.fixHour24
    ? `CASE WHEN hour24 THEN CAST(TRY_CAST(left(c_dt, 10) AS DATE) + 1 AS TIMESTAMP) ELSE try_strptime(c_dt, '%Y-%m-%d %H:%M:%S') END`
    : `try_strptime(c_dt, '%Y-%m-%d %H:%M:%S')`;
  return `INSERT INTO ${STAGE_TABLE}
WITH
  -- 1. the file as text: the header line skipped (checked before), 9 VARCHAR fields, no quoting
  src AS (
    SELECT * FROM read_csv(${sqlString(file)}, header = false, skip = 1, delim = ',', quote = '', escape = '',
      auto_detect = false, strict_mode = true, null_padding = false, columns = ${columns})
  ),
  -- 2. typed values; 24:00:00 detected from the text (CAST alone would silently roll it over)
  flagged AS (SELECT *, coalesce(c_dt LIKE '____-__-__ 24:00:00' AND TRY_CAST(left(c_dt, 10) AS DATE) IS NOT NULL, false) AS hour24 FROM src),
  typed AS (
    SELECT *,
      TRY_CAST(c_id AS BIGINT) AS transaction_id,
      ${datetime} AS tx_datetime,
      TRY_CAST(c_cust AS BIGINT) AS customer_id,
      TRY_CAST(c_term AS BIGINT) AS terminal_id,
      TRY_CAST(c_amount AS DOUBLE) AS tx_amount,
      TRY_CAST(c_fraud AS TINYINT) AS tx_fraud,
      TRY_CAST(c_scen AS TINYINT) AS tx_fraud_scenario
    FROM flagged
  ),
  -- 3. the first row-local rule the row fails
  judged AS (SELECT *, ${reasonSql(rules)} AS reason FROM typed)
SELECT ${fileNo}, transaction_id, tx_datetime, CAST(tx_datetime AS DATE), customer_id, terminal_id, tx_amount,
  TRY_CAST(c_secs AS BIGINT), TRY_CAST(c_days AS INTEGER), tx_fraud, tx_fraud_scenario, hour24, reason,
  ${CSV_COLUMNS.map((c) => `CASE WHEN reason IS NOT NULL THEN ${c} END`).join(', ')}
FROM judged`;
}

/** Loads one file; returns the number of data rows read. CSV errors become exit 3 with the line. */
export async function stageFile(db: Db, file: string, fileNo: number, rules: IngestRules, crlf: boolean, signal?: AbortSignal): Promise<number> {
  try {
    const rows = await db.all<{ Count: bigint }>(buildStageInsert(file, fileNo, rules));
    return Number(rows[0]?.Count ?? 0);
  } catch (e) {
    throwIfInterrupted(signal, e);
    throw await csvError(file, crlf, e, signal);
  }
}

/** Maps a DuckDB CSV error to a FraudctlError naming the file and the line. */
async function csvError(file: string, crlf: boolean, e: unknown, signal?: AbortSignal): Promise<unknown> {
  const message = e instanceof Error ? e.message : String(e);
  if (!/CSV|Invalid Input Error|unicode/i.test(message)) return e;
  const line = /CSV Error on Line: (\d+)/.exec(message);
  if (line) {
    const original = /Original Line: (.*)/.exec(message)?.[1];
    const found = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(message);
    const what = found
      ? `expected ${RAW_COLUMNS.length} comma-separated fields, found ${found[2]}`
      : (message.split('\n').find((l) => l.trim() !== '' && !l.startsWith('Invalid Input Error')) ?? message.split('\n')[0]);
    return badLine(file, Number(line[1]), original !== undefined ? `${what}: '${printable(original)}'` : what);
  }
  const bad = await locateBadLine(file, crlf, signal);
  if (bad) return badLine(file, bad.line, bad.problem);
  return new FraudctlError(`${file}: not a readable raw dump: ${message.split('\n')[0]}`, ExitCode.Data, { cause: e });
}

/** After an aborted query: exit 130 / 143 instead of the query's error. */
export function throwIfInterrupted(signal: AbortSignal | undefined, cause?: unknown): void {
  if (!signal?.aborted) return;
  const sigterm = signal.reason === 'SIGTERM';
  throw new FraudctlError(`interrupted (${sigterm ? 'SIGTERM' : 'SIGINT'}); nothing was written for the days not yet reported`, sigterm ? ExitCode.Sigterm : ExitCode.Sigint, { cause });
}
