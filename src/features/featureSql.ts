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
 * (no history; flagged so it can be counted). Rows keep the order of the partition file.
 * Columns: transaction_id, tx_ms, customer_id, terminal_id, [label], cust_missing, term_missing,
 * then FEATURE_NAMES in order, all DOUBLE.
 */
export function buildFeatureSql(input: FeatureSqlInput): SqlQuery {
  const martCols = (alias: string, cols: readonly string[]) => cols.map((c) => `COALESCE(CAST(${alias}.${c} AS DOUBLE), 0) AS ${c}`);
  const own = [
    'CAST(t.tx_amount AS DOUBLE) AS tx_amount',
    // Saturday or Sunday (ISO day of week 6, 7); night is hours 0-6 inclusive, as in the handbook's code.
    'CASE WHEN EXTRACT(ISODOW FROM t.tx_datetime) >= 6 THEN 1.0 ELSE 0.0 END AS tx_during_weekend',
    'CASE WHEN EXTRACT(HOUR FROM t.tx_datetime) <= 6 THEN 1.0 ELSE 0.0 END AS tx_during_night',
  ];
  const features = [...own, ...martCols('c', CUSTOMER_MART_COLUMNS), ...martCols('m', TERMINAL_MART_COLUMNS)];
  if (features.length !== FEATURE_NAMES.length) throw new Error('feature SQL out of step with FEATURE_NAMES');
  const sql = `
-- 1. the day's transactions, numbered in file order
WITH day_tx AS (
  SELECT * FROM read_parquet(${sqlString(input.transactionsPath)}, file_row_number = true)
),
-- 2. the marts of the previous day: features computed strictly before this day
cust AS (SELECT * FROM read_parquet(${sqlString(input.customerMartPath)})),
term AS (SELECT * FROM read_parquet(${sqlString(input.terminalMartPath)}))
-- 3. each transaction with its own features and its entities' mart rows (absent → zeros)
SELECT t.transaction_id, CAST(epoch_ms(t.tx_datetime) AS DOUBLE) AS tx_ms, t.customer_id, t.terminal_id,
  ${input.withLabels ? 'CAST(t.tx_fraud AS INTEGER) AS label,' : ''}
  c.customer_id IS NULL AS cust_missing, m.terminal_id IS NULL AS term_missing,
  ${features.join(',\n  ')}
FROM day_tx t
LEFT JOIN cust c ON c.customer_id = t.customer_id
LEFT JOIN term m ON m.terminal_id = t.terminal_id
ORDER BY t.file_row_number`;
  return { sql, params: {} };
}
