import { sqlString } from '../lake/db.js';
import { CUSTOMER_MART_COLUMNS, FEATURE_NAMES, TERMINAL_MART_COLUMNS } from './spec.js';
import type { SqlQuery } from './martSql.js';

export interface FeatureSqlInput {
  transactionsPath: string;
  /** The customer and terminal marts of the day before. */
  customerMartPath: string;
  terminalMartPath: string;
  /** Whether the transactions partition has a tx_fraud column to carry along as the label. */
  withLabels: boolean;
}

/**
 * The 15 features of every transaction of a day (DESIGN.md §3): its own three, then the customer
 * and terminal marts of the previous day joined by id, zeros for an entity absent from a mart
 * (no history; flagged so it can be counted). Rows come in any order; file_row_number says where
 * each belongs. Columns: file_row_number, transaction_id, customer_id, terminal_id (BIGINT), then
 * tx_ms, [label], cust_missing, term_missing and FEATURE_NAMES in order (DOUBLE, never NULL once
 * the transaction columns are checked).
 */
/** 1 or 0 as DOUBLE (a bare 1.0 literal would be DECIMAL). */
const flag = (condition: string) => `CAST(CASE WHEN ${condition} THEN 1 ELSE 0 END AS DOUBLE)`;

export function buildFeatureSql(input: FeatureSqlInput): SqlQuery {
  const martCols = (alias: string, cols: readonly string[]) => cols.map((c) => `COALESCE(CAST(${alias}.${c} AS DOUBLE), 0) AS ${c}`);
  const own = [
    'CAST(t.tx_amount AS DOUBLE) AS tx_amount',
    // Saturday or Sunday (ISO day of week 6, 7); night is hours 0-6 inclusive, as in the handbook's code.
    `${flag('EXTRACT(ISODOW FROM t.tx_datetime) >= 6')} AS tx_during_weekend`,
    `${flag('EXTRACT(HOUR FROM t.tx_datetime) <= 6')} AS tx_during_night`,
  ];
  const features = [...own, ...martCols('c', CUSTOMER_MART_COLUMNS), ...martCols('m', TERMINAL_MART_COLUMNS)];
  if (features.length !== FEATURE_NAMES.length) throw new Error('feature SQL out of step with FEATURE_NAMES');
  const sql = `
-- 1. the day's transactions, with their row number in the file
WITH day_tx AS (
  SELECT * FROM read_parquet(${sqlString(input.transactionsPath)}, file_row_number = true)
),
-- 2. the marts of the previous day: features computed strictly before this day
cust AS (SELECT * FROM read_parquet(${sqlString(input.customerMartPath)})),
term AS (SELECT * FROM read_parquet(${sqlString(input.terminalMartPath)}))
-- 3. each transaction with its own features and its entities' mart rows (absent → zeros)
SELECT CAST(t.file_row_number AS BIGINT) AS file_row_number, CAST(t.transaction_id AS BIGINT) AS transaction_id,
  CAST(t.customer_id AS BIGINT) AS customer_id, CAST(t.terminal_id AS BIGINT) AS terminal_id,
  CAST(epoch_ms(t.tx_datetime) AS DOUBLE) AS tx_ms,
  ${input.withLabels ? 'CAST(t.tx_fraud AS DOUBLE) AS label,' : ''}
  ${flag('c.customer_id IS NULL')} AS cust_missing,
  ${flag('m.terminal_id IS NULL')} AS term_missing,
  ${features.join(',\n  ')}
FROM day_tx t
LEFT JOIN cust c ON c.customer_id = t.customer_id
LEFT JOIN term m ON m.terminal_id = t.terminal_id`;
  return { sql, params: {} };
}
