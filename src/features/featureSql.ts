import { sqlString } from '../lake/db.js';
import { exprToSql } from './expression.js';
import type { Entity, FeatureSpec } from './featureSpec.js';
import type { SqlQuery } from './specMartSql.js';

export interface FeatureSqlInput {
  transactionsPath: string;
  /** The spec's marts of the day before, by entity. */
  martPaths: Partial<Record<Entity, string>>;
  /** Whether the transactions partition has a tx_fraud column to carry along as the label. */
  withLabels: boolean;
}

/** 1 or 0 as DOUBLE (a bare 1.0 literal would be DECIMAL). */
const flag = (condition: string) => `CAST(CASE WHEN ${condition} THEN 1 ELSE 0 END AS DOUBLE)`;

/** A transaction's own features (DESIGN.md §3), over the transactions aliased `t`. */
export const OWN_FEATURE_SQL: Readonly<Record<string, string>> = {
  tx_amount: 'CAST(t.tx_amount AS DOUBLE)',
  // Saturday or Sunday (ISO day of week 6, 7); night is hours 0-6 inclusive, as in the handbook's code.
  tx_during_weekend: flag('EXTRACT(ISODOW FROM t.tx_datetime) >= 6'),
  tx_during_night: flag('EXTRACT(HOUR FROM t.tx_datetime) <= 6'),
};

const ALIAS: Record<Entity, string> = { customer: 'c', terminal: 'm' };
const KEY: Record<Entity, string> = { customer: 'customer_id', terminal: 'terminal_id' };

/**
 * The spec's features of every transaction of a day: its own fields, the columns of its entities'
 * marts of the previous day joined by id (zeros for an entity absent from a mart: no history,
 * flagged so it can be counted), and expressions over both (x / 0 = 0). Rows come in any order;
 * file_row_number says where each belongs. Columns: file_row_number, transaction_id, customer_id,
 * terminal_id (BIGINT), then tx_ms, [label], cust_missing, term_missing and the spec's features in
 * order (DOUBLE, never NULL once the transaction columns are checked). DuckDB SQL: it runs where
 * the model scores; the marts are the definitions shared with Spark.
 */
export function buildFeatureSql(spec: FeatureSpec, input: FeatureSqlInput): SqlQuery {
  const martOf = new Map(spec.marts.flatMap((m) => m.columns.map((c) => [c.name, m.entity] as const)));
  const column = (name: string): string => OWN_FEATURE_SQL[name] ?? `COALESCE(CAST(${ALIAS[martOf.get(name)!]}.${name} AS DOUBLE), 0)`;
  const features = spec.features.map((f) => `${f.source === 'expr' ? exprToSql(f.expr, column) : column(f.name)} AS ${f.name}`);
  const marts = spec.marts.map((m) => {
    const path = input.martPaths[m.entity];
    if (path === undefined) throw new Error(`no ${m.entity} mart path given for spec ${spec.name}`);
    return m;
  });
  const missing = (e: Entity) => (marts.some((m) => m.entity === e) ? flag(`${ALIAS[e]}.${KEY[e]} IS NULL`) : 'CAST(0 AS DOUBLE)');
  const sql = `
-- 1. the day's transactions, with their row number in the file
WITH day_tx AS (
  SELECT * FROM read_parquet(${sqlString(input.transactionsPath)}, file_row_number = true)
)${marts.map((m) => `,\n-- 2. the ${m.entity} mart of the previous day: computed strictly before this day\n${m.entity}_mart AS (SELECT * FROM read_parquet(${sqlString(input.martPaths[m.entity]!)}))`).join('')}
-- 3. each transaction with its own features and its entities' mart rows (absent → zeros)
SELECT CAST(t.file_row_number AS BIGINT) AS file_row_number, CAST(t.transaction_id AS BIGINT) AS transaction_id,
  CAST(t.customer_id AS BIGINT) AS customer_id, CAST(t.terminal_id AS BIGINT) AS terminal_id,
  CAST(epoch_ms(t.tx_datetime) AS DOUBLE) AS tx_ms, CAST(t.tx_amount AS DOUBLE) AS tx_raw_amount,
  ${input.withLabels ? 'CAST(t.tx_fraud AS DOUBLE) AS label,' : ''}
  ${missing('customer')} AS cust_missing,
  ${missing('terminal')} AS term_missing,
  ${features.join(',\n  ')}
FROM day_tx t
${marts.map((m) => `LEFT JOIN ${m.entity}_mart ${ALIAS[m.entity]} ON ${ALIAS[m.entity]}.${KEY[m.entity]} = t.${KEY[m.entity]}`).join('\n')}`;
  return { sql, params: {} };
}
