import type { FeatureRows } from '../features/assemble.js';
import { appendColumns } from '../lake/appendColumns.js';
import type { Db } from '../lake/db.js';
import { sqlString } from '../lake/db.js';
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

/**
 * Puts the scored rows into the temp table `scored_out` (the scores file's schema), ordered by
 * time then id, ready to COPY to the lake and to --out.
 */
export async function stageScores(db: Db, rows: FeatureRows, scores: Float64Array, meta: ScoreMeta): Promise<void> {
  const micros = new BigInt64Array(rows.n);
  for (let i = 0; i < rows.n; i++) micros[i] = BigInt(Math.round(rows.txDatetimeMs[i])) * 1000n;
  await appendColumns(db, 'scored_in', [
    { name: 'transaction_id', type: 'BIGINT', values: rows.transactionId },
    { name: 'tx_us', type: 'BIGINT', values: micros },
    { name: 'customer_id', type: 'BIGINT', values: rows.customerId },
    { name: 'terminal_id', type: 'BIGINT', values: rows.terminalId },
    { name: 'tx_amount', type: 'DOUBLE', values: rows.txAmount },
    { name: 'fraud_score', type: 'DOUBLE', values: scores },
    { name: 'row_idx', type: 'INTEGER', values: Int32Array.from({ length: rows.n }, (_, i) => i) },
  ]);
  const reasonSql = meta.reasons ? await stageReasons(db, meta.reasons.reasons, meta.reasons.featureNames) : '';
  await db.run(
    `CREATE OR REPLACE TEMP TABLE scored_out AS
     SELECT transaction_id, make_timestamp(tx_us) AS tx_datetime, customer_id, terminal_id, tx_amount, fraud_score,
            fraud_score >= $threshold AS flagged, $model_uri::VARCHAR AS model_uri, $model_version::VARCHAR AS model_version,
            $scored_at::TIMESTAMP AS scored_at${reasonSql ? `, ${reasonSql}` : ''}
     FROM scored_in${reasonSql ? ' LEFT JOIN scored_reasons USING (row_idx)' : ''} ORDER BY tx_datetime, transaction_id`,
    { threshold: meta.threshold, model_uri: meta.modelUri, model_version: meta.modelVersion, scored_at: meta.scoredAt.toISOString().replace('T', ' ').replace('Z', '') },
  );
  await db.run('DROP TABLE scored_in');
  if (reasonSql) await db.run('DROP TABLE scored_reasons');
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
  return Array.from({ length: k }, (_, q) => `list_extract(${names}, f${q} + 1) AS ${REASON_COLUMNS[3 * q]}, v${q} AS ${REASON_COLUMNS[3 * q + 1]}, c${q} AS ${REASON_COLUMNS[3 * q + 2]}`).join(', ');
}

export type OutFormat = 'parquet' | 'csv' | 'json';

export function outFormat(path: string): OutFormat | undefined {
  const m = /\.(parquet|csv|json)$/i.exec(path);
  return m ? (m[1].toLowerCase() as OutFormat) : undefined;
}

/** COPY the staged scores to a file in the given format. */
export async function copyScores(db: Db, path: string, format: OutFormat): Promise<void> {
  const opts = format === 'parquet' ? 'FORMAT parquet' : format === 'csv' ? 'FORMAT csv, HEADER true' : 'FORMAT json, ARRAY true';
  await db.run(`COPY scored_out TO ${sqlString(path)} (${opts})`);
}
