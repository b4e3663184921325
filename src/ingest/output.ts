import type { Day } from '../util/dates.js';
import { RAW_COLUMNS } from './rawFormat.js';
import { originMicros, type IngestRules } from './rules.js';
import { RAW_FIELDS, STAGE_TABLE } from './stage.js';

/** SQL that turns staged rows into the lake's transactions and quarantine rows (pure builders). */

export function computedSecondsSql(rules: IngestRules, p = ''): string {
  // Whole seconds, so the integer division is exact (also before the origin).
  return `((epoch_us(${p}tx_datetime) - ${originMicros(rules.timeOrigin)}) // 1000000)`;
}

export function computedDaysSql(rules: IngestRules, p = ''): string {
  return `CAST(${p}day - DATE '${rules.timeOrigin}' AS INTEGER)`;
}

/** The clean rows of one day, in the exact lake schema (DESIGN.md §2). */
export function keptRowsSql(day: Day, rules: IngestRules): string {
  const seconds = rules.recomputeTime ? computedSecondsSql(rules) : `coalesce(given_seconds, ${computedSecondsSql(rules)})`;
  const days = rules.recomputeTime ? computedDaysSql(rules) : `coalesce(given_days, ${computedDaysSql(rules)})`;
  return `SELECT
    CAST(transaction_id AS BIGINT) AS transaction_id, CAST(tx_datetime AS TIMESTAMP) AS tx_datetime,
    CAST(customer_id AS BIGINT) AS customer_id, CAST(terminal_id AS BIGINT) AS terminal_id,
    CAST(tx_amount AS DOUBLE) AS tx_amount, CAST(${seconds} AS BIGINT) AS tx_time_seconds,
    CAST(${days} AS INTEGER) AS tx_time_days, CAST(tx_fraud AS TINYINT) AS tx_fraud,
    CAST(tx_fraud_scenario AS TINYINT) AS tx_fraud_scenario
  FROM ${STAGE_TABLE}
  WHERE day = DATE '${day}' AND reason IS NULL AND rowid NOT IN (SELECT rn FROM fates WHERE day = DATE '${day}')`;
}

/**
 * Quarantine columns: the reason, where the row came from, and its fields as raw text under the
 * lake's column names (NULL = the field was empty).
 */
export const QUARANTINE_COLUMNS = ['reason', 'source_file', 'source_line', ...RAW_COLUMNS] as const;

/** The input files: number, path, rowid of their first row, and the day for rows without a datetime. */
export const FILES_DDL = 'CREATE OR REPLACE TEMP TABLE files (file_no SMALLINT, source_file VARCHAR, first_rowid BIGINT, fallback_day DATE)';

/**
 * All quarantined rows, with the day they are filed under (`qday`): the row's own day, or for rows
 * whose datetime does not parse, the fallback day of their file. Small (a fraction of a percent of
 * the rows), so it is materialized once and cut per day.
 */
export function buildQuarantineTableSql(): string {
  const raw = RAW_FIELDS.map((f, i) => `s.${f} AS ${RAW_COLUMNS[i]}`).join(', ');
  // duplicate_transaction_id rows parsed cleanly, so their text is re-rendered from the values.
  const rendered = [
    'CAST(d.transaction_id AS VARCHAR)',
    `CASE WHEN d.hour24 THEN strftime(d.tx_datetime - INTERVAL 1 DAY, '%Y-%m-%d') || ' 24:00:00' ELSE strftime(d.tx_datetime, '%Y-%m-%d %H:%M:%S') END`,
    'CAST(d.customer_id AS VARCHAR)',
    'CAST(d.terminal_id AS VARCHAR)',
    'CAST(d.tx_amount AS VARCHAR)',
    'CAST(d.given_seconds AS VARCHAR)',
    'CAST(d.given_days AS VARCHAR)',
    'CAST(d.tx_fraud AS VARCHAR)',
    'CAST(d.tx_fraud_scenario AS VARCHAR)',
  ]
    .map((e, i) => `${e} AS ${RAW_COLUMNS[i]}`)
    .join(', ');
  return `CREATE OR REPLACE TEMP TABLE quar AS
    SELECT coalesce(s.day, f.fallback_day) AS qday, s.reason, f.source_file, s.rowid - f.first_rowid + 2 AS source_line, ${raw}
    FROM ${STAGE_TABLE} s JOIN files f USING (file_no)
    WHERE s.reason IS NOT NULL AND s.rowid NOT IN (SELECT rn FROM fates WHERE fate = 'duplicate')
    UNION ALL
    SELECT d.day, 'duplicate_transaction_id', f.source_file, d.rn - f.first_rowid + 2, ${rendered}
    FROM fates d JOIN files f USING (file_no)
    WHERE d.fate = 'duplicate_transaction_id'`;
}

export function quarantineRowsSql(day: Day): string {
  return `SELECT ${QUARANTINE_COLUMNS.join(', ')} FROM quar WHERE qday = DATE '${day}' ORDER BY source_file, source_line`;
}
