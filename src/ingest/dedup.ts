import { RAW_FIELDS, STAGE_TABLE } from './stage.js';

/**
 * Duplicates, found without comparing every row with every other: exact copies share their
 * transaction_id, so only rows whose id occurs more than once (a hash aggregate over one BIGINT
 * column) and rows without an id are compared. Result: `fates(rn, fate, …staged columns)`, one
 * row per staged row that does not go on as it is:
 *  - 'duplicate': equal in every field to an earlier line (parsed values, and the raw text of
 *    quarantined rows) — dropped and counted;
 *  - 'duplicate_transaction_id': a clean row whose id an earlier clean row already has, with other
 *    content — quarantined (never silently lost).
 * "Earlier" is file order: rowid follows it (stage.ts).
 */
export function buildDedupSql(enabled: boolean): string[] {
  const compared = [
    'transaction_id', 'tx_datetime', 'customer_id', 'terminal_id', 'tx_amount', 'given_seconds', 'given_days',
    'tx_fraud', 'tx_fraud_scenario', 'hour24', 'reason', ...RAW_FIELDS,
  ].join(', ');
  return [
    // 1. ids on more than one line
    `CREATE OR REPLACE TEMP TABLE dup_ids AS
      SELECT transaction_id FROM ${STAGE_TABLE} WHERE ${enabled} AND transaction_id IS NOT NULL
      GROUP BY transaction_id HAVING count(*) > 1`,
    `CREATE OR REPLACE TEMP TABLE fates AS
    WITH
      -- 2. the only rows that can be duplicates
      cand AS (
        SELECT rowid AS rn, * FROM ${STAGE_TABLE}
        WHERE ${enabled} AND (transaction_id IN (SELECT transaction_id FROM dup_ids) OR transaction_id IS NULL)
      ),
      -- 3. copy_no > 1: an exact copy of an earlier line
      copies AS (SELECT *, row_number() OVER (PARTITION BY ${compared} ORDER BY rn) AS copy_no FROM cand),
      -- 4. among clean rows left, id_no > 1: the id of an earlier clean row
      ids AS (
        SELECT *, row_number() OVER (PARTITION BY transaction_id, reason IS NULL AND copy_no = 1 ORDER BY rn) AS id_no
        FROM copies
      )
    SELECT rn, CASE WHEN copy_no > 1 THEN 'duplicate' ELSE 'duplicate_transaction_id' END AS fate,
      * EXCLUDE (rn, copy_no, id_no)
    FROM ids
    WHERE copy_no > 1 OR (reason IS NULL AND id_no > 1)`,
  ];
}
