import type { FeatureRows } from '../features/assemble.js';
import { appendColumns } from '../lake/appendColumns.js';
import type { Db } from '../lake/db.js';
import { sqlString } from '../lake/db.js';

export interface ScoreMeta {
  threshold: number;
  modelUri: string;
  modelVersion: string | null;
  scoredAt: Date;
}

/** Columns of scores/date=D/data.parquet, in order. */
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
  ]);
  await db.run(
    `CREATE OR REPLACE TEMP TABLE scored_out AS
     SELECT transaction_id, make_timestamp(tx_us) AS tx_datetime, customer_id, terminal_id, tx_amount, fraud_score,
            fraud_score >= $threshold AS flagged, $model_uri::VARCHAR AS model_uri, $model_version::VARCHAR AS model_version,
            $scored_at::TIMESTAMP AS scored_at
     FROM scored_in ORDER BY tx_datetime, transaction_id`,
    { threshold: meta.threshold, model_uri: meta.modelUri, model_version: meta.modelVersion, scored_at: meta.scoredAt.toISOString().replace('T', ' ').replace('Z', '') },
  );
  await db.run('DROP TABLE scored_in');
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
